/** Markdown report of a bench run (the numbers are from one run on the machine named in it). */
// biome-ignore lint/suspicious/noExplicitAny: the result object is plain JSON assembled by run.ts
export function renderReport(r: any): string {
  const lines: string[] = [
    `# Sentinel benchmark (${r.at}${r.quick ? ', quick' : ''})`,
    '',
    `Machine: ${r.machine.cores} cores, ${r.machine.cpu}, Node ${r.machine.node}, execution provider ${r.machine.provider}. Run took ${r.durationSeconds} s.`,
    '',
    '| metric | value | target |',
    '| --- | --- | --- |',
  ];
  const row = (m: string, v: unknown, t = '') => lines.push(`| ${m} | ${v ?? 'n/a'} | ${t} |`);
  row(
    'pipelineOverheadRatio (pipeline / raw onnxruntime, same batch + threads)',
    r.pipelineOverheadRatio
      ? `${r.pipelineOverheadRatio.ratio} at batch ${r.pipelineOverheadRatio.batch}`
      : null,
    '≥ 0.9',
  );
  row(
    'e2e latency capture → alert at socket.io client p50 / p95 / p99 (ms)',
    r.e2eLatencyMs
      ? `${r.e2eLatencyMs.p50} / ${r.e2eLatencyMs.p95} / ${r.e2eLatencyMs.p99} (n=${r.e2eLatencyMs.n})`
      : null,
    'p99 ≤ 500',
  );
  row('cameras sustained at 5 fps detection, 720p', r.camerasSustained['720p']);
  row('cameras sustained at 5 fps detection, 1080p', r.camerasSustained['1080p']);
  row(
    'socket.io fan-out, 200 clients: delivery p50 / p99 (ms)',
    r.socketFanout
      ? `${r.socketFanout.deliveryMs.p50} / ${r.socketFanout.deliveryMs.p99} (${r.socketFanout.eventsPerSecond} events/s)`
      : null,
  );
  row('history writer rows/s', r.historyWriter?.rowsPerSecond);
  if (r.inference?.rows) {
    lines.push(
      '',
      '## Inference (images/s)',
      '',
      '| batch | raw onnxruntime | ours (worker threads) | ratio | ours p50 latency (ms) |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const x of r.inference.rows)
      lines.push(
        `| ${x.batch} | ${x.raw.imagesPerSecond} | ${x.ours.imagesPerSecond} | ${x.ratio} | ${x.ours.latencyP50Ms} |`,
      );
    if (r.inference.naive)
      lines.push(
        '',
        `Naive baseline (one frame at a time on the main thread): ${r.inference.naive.imagesPerSecond} images/s.`,
      );
  }
  if (r.e2eLatencyMs?.hopsP50) {
    lines.push(
      '',
      '## Latency per hop (p50, ms, from trace stamps)',
      '',
      `| ${Object.keys(r.e2eLatencyMs.hopsP50).join(' | ')} |`,
    );
    lines.push(
      `| ${Object.keys(r.e2eLatencyMs.hopsP50)
        .map(() => '---')
        .join(' | ')} |`,
      `| ${Object.values(r.e2eLatencyMs.hopsP50).join(' | ')} |`,
    );
  }
  if (r.camerasSustained.steps.length) {
    lines.push(
      '',
      '## Capacity steps',
      '',
      '| stream | cameras | min fps/camera | mean fps | lag p95 first→second half (ms) | sustained |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const s of r.camerasSustained.steps)
      lines.push(
        `| ${s.stream} | ${s.cameras} | ${s.minFps} | ${s.meanFps} | ${s.lagP95FirstMs} → ${s.lagP95SecondMs} | ${s.sustained ? 'yes' : 'no'} |`,
      );
  }
  if (r.ingestDecode?.results) {
    lines.push(
      '',
      '## Ingest decode vs gst-launch-1.0 decode-only baseline',
      '',
      '```json',
      JSON.stringify(r.ingestDecode.results, null, 1),
      '```',
    );
  }
  lines.push('', 'Charts: `latency.svg`, `capacity.svg`.');
  if (r.errors.length) lines.push('', '## Parts that failed', '', ...r.errors.map((e: string) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}
