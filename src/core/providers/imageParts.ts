// Image content parts as each API takes them, and the data-URI and media-type facts both providers share.
// A part that cannot be sent exactly (an unread file, a format the API refuses) is an error before any call.
import type { CallError, ContentPart, ImageSource } from '../types';

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*);base64,(.*)$/is;

/** `data:image/png;base64,…` split into media type and base64 data; `null` when it is not a base64 data URI. */
export function parseDataUri(uri: string): { mediaType: string; data: string } | null {
  const m = DATA_URI.exec(uri.trim());
  if (!m) return null;
  return { mediaType: (m[1] ?? 'application/octet-stream').toLowerCase(), data: m[3]!.replace(/\s+/g, '') };
}

/** The image's source from a URL, a data URI, or (anything else) a local path. */
export function imageSourceOf(src: string): ImageSource {
  const s = src.trim();
  const data = parseDataUri(s);
  if (data) return { kind: 'base64', ...data };
  if (/^https?:\/\//i.test(s)) return { kind: 'url', url: s };
  return { kind: 'file', path: s.replace(/^file:\/\//, '') };
}

/** Media type by the first bytes of the image (magic numbers), else by the file's extension. */
export function imageMediaType(bytes: Uint8Array, fileName: string): string | null {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'image/webp';
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  const byExt: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', svg: 'image/svg+xml' };
  return ext ? (byExt[ext] ?? null) : null;
}

/** What a provider says when an image's file was never read (a preview render without file access). */
export function unreadFileError(path: string): CallError {
  return { kind: 'bad_request', message: `The image ${path} was not loaded: images from files are read when a test or the playground runs the prompt` };
}

/** The text of a message's parts: text parts joined by a blank line. */
export function partsText(parts: readonly ContentPart[]): string {
  return parts
    .filter((p): p is Extract<ContentPart, { type: 'text' }> => p.type === 'text')
    .map((p) => p.text)
    .join('\n\n');
}

/** Parts in OpenAI chat's shape (`text`, `image_url` with a URL or a data URI). */
export function openAiContentParts(parts: readonly ContentPart[]): Record<string, unknown>[] | { error: CallError } {
  const out: Record<string, unknown>[] = [];
  for (const p of parts) {
    if (p.type === 'text') {
      out.push({ type: 'text', text: p.text });
      continue;
    }
    const s = p.source;
    if (s.kind === 'file') return { error: unreadFileError(s.path) };
    const url = s.kind === 'url' ? s.url : `data:${s.mediaType};base64,${s.data}`;
    out.push({ type: 'image_url', image_url: p.detail ? { url, detail: p.detail } : { url } });
  }
  return out;
}

/**
 * Parts in the Responses API's shape (`input_text`, `input_image` with a URL or a data URI; openai-node
 * 6.30.1 `ResponseInputImage`, whose `detail` is required and documented as defaulting to `auto`).
 */
export function responsesContentParts(parts: readonly ContentPart[]): Record<string, unknown>[] | { error: CallError } {
  const chat = openAiContentParts(parts);
  if ('error' in chat) return chat;
  return chat.map((p) => {
    if (p.type === 'text') return { type: 'input_text', text: p.text };
    const iu = p.image_url as { url: string; detail?: string };
    return { type: 'input_image', image_url: iu.url, detail: iu.detail ?? 'auto' };
  });
}

/** The image types Anthropic's Messages API accepts (SDK 1.12.0 `Base64ImageSource.media_type`). */
export const ANTHROPIC_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** One part as an Anthropic content block (`text`, or `image` with a base64 or URL source). */
export function anthropicBlock(p: ContentPart): Record<string, unknown> | { error: CallError } {
  if (p.type === 'text') return { type: 'text', text: p.text };
  const s = p.source;
  if (s.kind === 'file') return { error: unreadFileError(s.path) };
  if (s.kind === 'url') return { type: 'image', source: { type: 'url', url: s.url } };
  if (!ANTHROPIC_IMAGE_TYPES.has(s.mediaType)) {
    return { error: { kind: 'bad_request', message: `Anthropic takes JPEG, PNG, GIF and WebP images, not ${s.mediaType}: convert the image first` } };
  }
  return { type: 'image', source: { type: 'base64', media_type: s.mediaType, data: s.data } };
}
