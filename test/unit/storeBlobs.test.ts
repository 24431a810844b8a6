// Images in traces are stored once per content hash, in a real sql.js history file.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { traceDetail } from '../../src/host/traces/traceDetailData';
import { blobRefs } from '../../src/core/store/blobs';
import { loadSqlJs } from '../../src/core/store/sqlite';
import { TraceStore } from '../../src/core/store/traceStore';
import { eachHistoryFile, makeTrace } from '../support/storeFixtures';

/** A random "image" of `size` bytes (random, so compression cannot hide copies). */
function image(size: number): string {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(size)]).toString('base64');
}

describe('TraceStore: images by content hash', function () {
  this.timeout(30_000);
  const history = eachHistoryFile();

  it('200 traces sharing one image store it once; requests and variables refer to it by hash', async () => {
    const png = image(200_000);
    const uri = `data:image/png;base64,${png}`;
    const openAiRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'What?' }, { type: 'image_url', image_url: { url: uri } }] }] };
    const anthropicRequest = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] }] };
    const store = await TraceStore.open({ path: history.file });
    const ids = await store.addTraces(
      Array.from({ length: 200 }, (_, i) => makeTrace({ request: i % 2 ? openAiRequest : anthropicRequest, variables: { photo: uri, n: i }, startedAt: Date.UTC(2026, 0, 1) + i })),
    );
    await store.close();

    // The same 200 traces without the image, for the size the image adds.
    const plainFile = `${history.file}.plain`;
    const plain = await TraceStore.open({ path: plainFile });
    await plain.addTraces(Array.from({ length: 200 }, (_, i) => makeTrace({ variables: { photo: 'x', n: i }, startedAt: Date.UTC(2026, 0, 1) + i })));
    await plain.close();
    const added = statSync(history.file).size - statSync(plainFile).size;
    const imageBytes = Buffer.from(png, 'base64').length;
    assert.ok(added < 2 * imageBytes, `the file holds the image once, not 200 times (${added} bytes more for a ${imageBytes}-byte image)`);
    const db = new (await loadSqlJs()).Database(readFileSync(history.file));
    assert.deepEqual(db.exec('SELECT count(*), sum(bytes) FROM blobs')[0]!.values, [[1, Buffer.from(png, 'base64').length]]);
    db.close();

    const reopened = await TraceStore.open({ path: history.file });
    const a = (await reopened.getTrace(ids[0]!))!;
    const b = (await reopened.getTrace(ids[1]!))!;
    const hash = [...blobRefs(a.request)][0]!;
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.deepEqual([...blobRefs(b.request)], [hash], 'both API shapes refer to the same blob');
    assert.equal((b.request as typeof openAiRequest).messages[0]!.content[1]!.image_url!.url, `data:image/png;assay-blob,${hash}`);
    assert.equal((a.variables as { photo: string }).photo, `data:image/png;assay-blob,${hash}`);
    assert.deepEqual(await reopened.getBlob(hash), { mediaType: 'image/png', data: png });
    assert.equal(await reopened.getBlob('0'.repeat(64)), null);

    // The trace detail resolves the reference and shows the image as a thumbnail.
    const detail = traceDetail(b, { promptVersion: 'unknown', blobs: new Map([[hash, (await reopened.getBlob(hash))!]]) });
    const part = detail.messages.find((m) => m.role === 'user')!.parts[1]!;
    assert.equal(part.kind, 'image');
    assert.equal(part.imageUri, uri);
    await reopened.close();
  });

  it('an image goes with the last trace that refers to it (deletion and retention)', async () => {
    const req = (png: string) => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }] });
    const shared = image(4_000);
    const own = image(4_000);
    const store = await TraceStore.open({ path: history.file, maxTraces: 2 });
    const [a, b] = await store.addTraces([makeTrace({ request: req(shared), startedAt: 1 }), makeTrace({ request: req(shared), startedAt: 2 })]);
    const sharedHash = [...blobRefs((await store.getTrace(a!))!.request)][0]!;
    assert.equal(await store.deleteTraces([a!]), 1);
    assert.ok(await store.getBlob(sharedHash), 'still referred to by the second trace');
    await store.deleteTraces([b!]);
    assert.equal(await store.getBlob(sharedHash), null, 'no trace refers to it any more');

    // Retention (maxTraces 2) removes the oldest traces at the save, and their images with them.
    const [c] = await store.addTraces([makeTrace({ request: req(own), startedAt: 3 })]);
    const ownHash = [...blobRefs((await store.getTrace(c!))!.request)][0]!;
    await store.addTraces([makeTrace({ startedAt: 4 }), makeTrace({ startedAt: 5 })]);
    await store.flush();
    assert.equal(await store.getTrace(c!), null);
    assert.equal(await store.getBlob(ownHash), null);
    await store.close();
  });

  it('the trace detail shows thinking blocks from the stored response, apart from the output', () => {
    const t = makeTrace({ text: 'billing', response: { content: [{ type: 'thinking', thinking: 'Charged twice.', signature: 's' }, { type: 'redacted_thinking', data: 'x' }, { type: 'text', text: 'billing' }] } });
    const detail = traceDetail({ ...t, id: 't1', evaluations: [], feedback: null } as never, { promptVersion: 'unknown' });
    assert.deepEqual(detail.thinking, [{ text: 'Charged twice.' }, { text: '', redacted: true }]);
    assert.equal(detail.output, 'billing');
  });

  it('a second writer merging into the same file keeps the images both added', async () => {
    const first = await TraceStore.open({ path: history.file });
    const second = await TraceStore.open({ path: history.file });
    const pngA = image(5_000);
    const pngB = image(5_000);
    const req = (png: string) => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }] });
    await first.addTraces([makeTrace({ request: req(pngA) })]);
    await second.addTraces([makeTrace({ request: req(pngB) })]);
    await first.close();
    await second.close();
    const store = await TraceStore.open({ path: history.file });
    const page = await store.listTraces({}, {});
    const hashes = new Set<string>();
    for (const t of page.items) for (const h of blobRefs((await store.getTrace(t.id))!.request)) hashes.add(h);
    assert.equal(hashes.size, 2);
    for (const h of hashes) assert.ok(await store.getBlob(h), `blob ${h} survived the merge`);
    await store.close();
  });
});
