// A writable stream that keeps what is written to it, standing in for a CLI's stdout or stderr.
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
