/** Every command Assay contributes. A unit test keeps this list and package.json's `contributes.commands` equal. */
export const COMMAND_IDS = ['assay.newPromptFile', 'assay.setApiKey', 'assay.clearApiKey'] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
