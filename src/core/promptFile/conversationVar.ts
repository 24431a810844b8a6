// The one name test runs fill with the earlier turns of the same prompt and model (promptfoo's `_conversation`);
// a leaf module so the editor's diagnostics can know it without loading the renderer.

/** The variable holding the earlier turns, `[{ prompt, input, output }]`. */
export const CONVERSATION_VAR = '_conversation';
