// Preloaded into a benchmarked `node dist/cli.js` (`node --require bench/threadCpu.cjs …`): at exit, writes
// the main thread's CPU time and the process's peak RSS to the file named by ASSAY_BENCH_PROBE_OUT.
// The main thread's own time comes from /proc/self/task/<pid>/stat (utime + stime, in clock ticks), so
// the history worker's thread and the machine's other load are not counted in it. Linux only.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

const out = process.env.ASSAY_BENCH_PROBE_OUT;
const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on (getconf CLK_TCK)

function mainThreadCpuMs() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

if (out) {
  process.once('exit', () => {
    writeFileSync(out, JSON.stringify({ mainThreadCpuMs: mainThreadCpuMs(), processCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, maxRssKb: process.resourceUsage().maxRSS }));
  });
}
