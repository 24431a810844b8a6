# Copy to the corpus folder (/work/corpus/prompty) and run there; see scripts/compat/prompty.ts.
# Renders every corpus file with Prompty's own Python runtimes: 2.0 (HEAD), 1.0 (commit 65a40718)
# and 0.1 (commit 8fbc5760, before `sample` was deprecated), the file's own version first: a file
# with `sample:` is 0.1, one with `![thread]` 1.0, others 2.0; the next runtime for files it rejects.
# Run: for step in 0 1 2: for mode in v01 v1 v2: /usr/bin/python3 reference.py MODE STEP
# (the corpus and runtimes come from buildPromptyCorpus.mjs --runtimes; Prompty 1.0's Mustache
# dependency chevron is a stub in /work/corpus/stubs that raises, so 1.0 refuses Mustache files).
import sys, json, os, signal
mode = sys.argv[1]
step = int(sys.argv[2])
import re
def order(text):
    fm = text.split('\n---', 1)[0]
    if re.search(r'(?m)^sample:', fm): return ['v01', 'v1', 'v2']
    if '![thread]' in text: return ['v1', 'v01', 'v2']
    return ['v2', 'v1', 'v01']
if mode == 'v2':
    sys.path.insert(0, '/work/corpus/prompty-runtime/runtime/python/prompty')
elif mode == 'v1':
    sys.path.insert(0, '/work/corpus/prompty-runtime-v1/runtime/prompty'); sys.path.insert(0, '/work/corpus/stubs')
else:
    sys.path.insert(0, '/work/corpus/prompty-runtime-v01/runtime/prompty'); sys.path.insert(0, '/work/corpus/stubs')
import prompty
if mode == 'v2':
    from prompty.core.pipeline import prepare
    from prompty.core import discovery
    from prompty.parsers.prompty import PromptyChatParser
    from prompty.renderers.jinja2 import Jinja2Renderer
    from prompty.renderers.mustache import MustacheRenderer
    discovery._cache[('prompty.parsers', 'prompty')] = PromptyChatParser()
    discovery._cache[('prompty.renderers', 'jinja2')] = Jinja2Renderer()
    discovery._cache[('prompty.renderers', 'mustache')] = MustacheRenderer()
src = json.load(open('/work/corpus/prompty/sources.json'))
# Prompty refuses a file whose connection names an unset variable (`${env:NAME}` without a default, in the
# file or a JSON file it includes), though rendering never reads it: every such name in the corpus gets a
# dummy value (prompty.ts sets the same).
for root, _, names in os.walk('/work/corpus/prompty'):
    for n in names:
        if n.endswith(('.prompty', '.json')) and n not in ('sources.json', 'reference.json'):
            for name in re.findall(r'\$\{env:(\w+)\}', open(os.path.join(root, n), encoding='utf8', errors='replace').read()):
                os.environ.setdefault(name, 'dummy-' + name)
path = '/work/corpus/prompty/reference.json'
prev = {r['file']: r for r in json.load(open(path))} if os.path.exists(path) else {}
def part(p):
    if isinstance(p, dict): return p
    d = {'kind': type(p).__name__}
    for k in ('value', 'source', 'detail', 'media_type'):
        if hasattr(p, k): d[k] = getattr(p, k)
    return d
class TO(Exception): pass
def alarm(*a): raise TO()
signal.signal(signal.SIGALRM, alarm)
out = []
for s in src:
    f = '/work/corpus/prompty/' + s['file']
    if 'messages' in prev.get(s['file'], {}) or 'text' in prev.get(s['file'], {}) or order(open(f, encoding='utf8', errors='replace').read())[step] != mode:
        if s['file'] in prev: out.append(prev[s['file']])
        continue
    rec = {'file': s['file'], 'runtime': mode}
    signal.alarm(10)
    try:
        os.chdir(os.path.dirname(f))
        if mode == 'v2':
            agent = prompty.load(f)
            msgs = prepare(agent, {})
            rec['messages'] = []
            for m in msgs:
                parts = [part(p) for p in m.parts]
                if all(p['kind'] == 'TextPart' for p in parts):
                    rec['messages'].append({'role': m.role, 'content': ''.join(p['value'] for p in parts)})
                else:
                    rec['messages'].append({'role': m.role, 'parts': parts})
        else:
            p = prompty.load(f)
            msgs = prompty.prepare(p, {}, merge_sample=True)
            # A completion or embedding prompt (model.api) prepares to its text, not to messages.
            if isinstance(msgs, str): rec['text'] = msgs
            else: rec['messages'] = [dict(m) for m in msgs]
    except TO:
        rec['error'] = 'timeout'
    except BaseException as e:
        rec['error'] = f'{type(e).__name__}: {e}'[:300]
        if s['file'] in prev: rec['earlier'] = [prev[s['file']].get('earlier'), prev[s['file']].get('error')]
    signal.alarm(0)
    out.append(rec)
json.dump(out, open(path, 'w'), indent=1, default=str)
print(mode, sum(1 for r in out if 'messages' in r or 'text' in r), 'rendered of', len(out))
