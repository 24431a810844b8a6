// Images in prompt files. A markdown image `![alt](src)` written in the template, or an image input
// (`kind: image`), becomes an image content part. As with role markers, images are found in the template
// source before rendering: each becomes a pair of per-render nonce markers around its (rendered) alt and
// src, so a variable's value that contains `![x](y)` stays text and can never make Assay read a file.
// After rendering, the markers split a message's text into parts; as in Prompty's runtime, images outside
// a user message go into a user message of their own (models take images only from the user).
import { dirname, isAbsolute, resolve } from 'node:path';
import { readFileBytes, type FileAccess } from '../files/safeFiles';
import { imageMediaType, imageSourceOf, partsText } from '../providers/imageParts';
import type { ChatMessage, ContentPart } from '../types';
import { nonceDigits } from './nonce';

/** `![alt](src)`; src may hold one level of parentheses (`{{ x | default("a.png") }}`). */
const MARKDOWN_IMAGE = /!\[([^\]\n]*)\]\(((?:[^()\n]|\([^()\n]*\))*)\)/g;

/** Where image files are read from: the prompt's folder, under the file policy. */
export interface ImageFiles {
  baseDir: string;
  access: FileAccess;
}

/** The nonce markers of one render. */
export class ImageMarkers {
  private readonly open: string;
  private readonly mid: string;
  private readonly close: string;
  /** An image input's markers differ from a markdown image's, so `![x]({{ photo }})` nests cleanly. */
  private readonly inOpen: string;
  private readonly inMid: string;
  private readonly inClose: string;
  /** Compiled on first use: most renders hold no image, and two regular expressions per render add up. */
  private patterns: { all: RegExp; input: RegExp } | undefined;

  constructor() {
    const n = nonceDigits();
    this.open = `\uE010${n}\uE011`;
    this.mid = `\uE012${n}\uE013`;
    this.close = `\uE014${n}\uE015`;
    this.inOpen = `\uE016${n}\uE017`;
    this.inMid = `\uE018${n}\uE019`;
    this.inClose = `\uE01A${n}\uE01B`;
  }

  private compiled(): { all: RegExp; input: RegExp } {
    if (!this.patterns) {
      const input = `${this.inOpen}([\\s\\S]*?)${this.inMid}([\\s\\S]*?)${this.inClose}`;
      this.patterns = { input: new RegExp(input, 'g'), all: new RegExp(`${this.open}([\\s\\S]*?)${this.mid}([\\s\\S]*?)${this.close}|${input}`, 'g') };
    }
    return this.patterns;
  }

  /** The template source with each markdown image replaced by markers around its alt and src templates. */
  markdown(source: string): string {
    if (!source.includes('![')) return source;
    return source.replace(MARKDOWN_IMAGE, (_m, alt: string, src: string) => `${this.open}${alt}${this.mid}${src}${this.close}`);
  }

  /** The value an image input renders as: markers around its URL, data URI or path. */
  input(name: string, value: unknown): string {
    return `${this.inOpen}${name}${this.inMid}${typeof value === 'string' ? value : ''}${this.inClose}`;
  }

  /** Whether rendered text holds an image. */
  has(text: string): boolean {
    return text.includes(this.open) || text.includes(this.inOpen);
  }

  /**
   * A rendered message's text as messages: one with parts when it holds images (a non-user message is split
   * around them and the images go into a user message), else the text as it was. Errors name the image.
   */
  split(role: ChatMessage['role'], text: string, files: ImageFiles | undefined): ChatMessage[] | { error: string } {
    const parts: ContentPart[] = [];
    let last = 0;
    for (const m of text.matchAll(this.compiled().all)) {
      pushText(parts, text.slice(last, m.index));
      last = m.index! + m[0].length;
      // A markdown image's alt and src may print an image input: its value, not a second image.
      const alt = this.unwrap(m[1] ?? m[3]!).trim();
      const src = this.unwrap(m[2] ?? m[4]!).trim();
      if (src === '') return { error: `The image ${alt || '(no alt text)'} has no source: give it a URL, a data URI or a file path` };
      const part = imagePart(src, alt, files);
      if ('error' in part) return part;
      parts.push(part);
    }
    pushText(parts, text.slice(last));
    return placeParts(role, parts);
  }

  private unwrap(text: string): string {
    return text.includes(this.inOpen) ? text.replace(this.compiled().input, (_m, _name: string, value: string) => value) : text;
  }
}

function pushText(parts: ContentPart[], text: string): void {
  const t = text.trim();
  if (t !== '') parts.push({ type: 'text', text: t });
}

function imagePart(src: string, alt: string, files: ImageFiles | undefined): ContentPart | { error: string } {
  const source = imageSourceOf(src);
  const part: ContentPart = { type: 'image', source, ...(alt !== '' ? { alt } : {}) };
  if (source.kind !== 'file' || !files) return part;
  const abs = isAbsolute(source.path) ? source.path : resolve(files.baseDir, source.path);
  const read = readFileBytes(abs, files.access, source.path);
  if ('error' in read) return { error: `Image ${source.path}: ${read.error.message}` };
  const mediaType = imageMediaType(read.bytes, abs);
  if (!mediaType) return { error: `Image ${source.path} is not an image Assay recognises (PNG, JPEG, GIF, WebP)` };
  return { ...part, source: { kind: 'base64', mediaType, data: read.bytes.toString('base64') } };
}

/** Prompty's placement: a user message keeps its images; any other role's text is split around them. */
function placeParts(role: ChatMessage['role'], parts: ContentPart[]): ChatMessage[] {
  const message = (r: ChatMessage['role'], ps: ContentPart[]): ChatMessage =>
    ps.some((p) => p.type === 'image') ? { role: r, content: partsText(ps), parts: ps } : { role: r, content: partsText(ps) };
  if (role === 'user') return parts.length > 0 ? [message(role, parts)] : [];
  const out: ChatMessage[] = [];
  let run: ContentPart[] = [];
  let runIsImage = false;
  const flush = (): void => {
    if (run.length > 0) out.push(message(runIsImage ? 'user' : role, run));
    run = [];
  };
  for (const p of parts) {
    const isImage = p.type === 'image';
    if (run.length > 0 && isImage !== runIsImage) flush();
    runIsImage = isImage;
    run.push(p);
  }
  flush();
  return out;
}

/** The folder a prompt's relative image paths resolve against. */
export function promptDir(path: string | undefined, dir: string | undefined): string {
  return dir ?? (path ? dirname(path) : process.cwd());
}
