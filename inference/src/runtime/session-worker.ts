/**
 * A worker thread owning one onnxruntime session. `session.run` blocks the thread it runs on, so it
 * runs here, never on the service's event loop. The worker also turns RGB24 pixels into the input
 * tensor and decodes the outputs, so the main thread only moves bytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { decoderFor } from '../decode/index.ts';
import type { ModelDecoder, RawOutputs } from '../decode/types.ts';
import { fillInputTensor } from '../model/preprocess.ts';
import type { MainToWorker, RunRequest, WorkerInit, WorkerToMain } from './protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: WorkerToMain, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const errorText = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 500);

async function createSession(): Promise<{
  session: ort.InferenceSession;
  provider: WorkerInit['provider'];
  fallbackReason?: string;
}> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: init.interOpThreads,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  let fallbackReason: string | undefined;
  if (init.provider === 'cuda') {
    const supported = ort.listSupportedBackends().find((b) => b.name === 'cuda');
    try {
      const session = await ort.InferenceSession.create(init.modelPath, {
        ...base,
        executionProviders: ['cuda'],
        // The failure is reported below with its reason; keep onnxruntime's own log quiet.
        logSeverityLevel: 4,
      });
      return { session, provider: 'cuda' };
    } catch (err) {
      fallbackReason = `CUDA execution provider not loadable (${supported ? `bundled=${supported.bundled}` : 'not built in'}): ${errorText(err)}`;
    }
  }
  const session = await ort.InferenceSession.create(init.modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', ...(fallbackReason ? { fallbackReason } : {}) };
}

let session: ort.InferenceSession;
let decoder: ModelDecoder | undefined;
let fetchNames: string[];
const spec = init.input;
const frameBytes = spec.width * spec.height * 3;
const tensorBuffers = new Map<number, Float32Array>();

function inputTensor(count: number, pixels: Uint8Array): ort.Tensor {
  let data = tensorBuffers.get(count);
  if (!data) {
    data = new Float32Array(count * frameBytes);
    if (tensorBuffers.size > 8) tensorBuffers.clear();
    tensorBuffers.set(count, data);
  }
  for (let i = 0; i < count; i++)
    fillInputTensor(data, i, pixels.subarray(i * frameBytes, (i + 1) * frameBytes), spec);
  const dims =
    spec.layout === 'nhwc' ? [count, spec.height, spec.width, 3] : [count, 3, spec.height, spec.width];
  return new ort.Tensor('float32', data, dims);
}

async function runBatch(count: number, pixels: Uint8Array) {
  const t0 = performance.now();
  const feeds = { [spec.inputName]: inputTensor(count, pixels) };
  const t1 = performance.now();
  const results = await session.run(feeds, fetchNames);
  const t2 = performance.now();
  const outputs: RawOutputs = {};
  for (const name of fetchNames) {
    const t = results[name];
    if (!t) throw new Error(`model returned no output '${name}'`);
    if (t.type !== 'float32') throw new Error(`output '${name}' is ${t.type}, expected float32`);
    outputs[name] = { data: t.data as Float32Array, dims: [...t.dims] };
  }
  return { outputs, prepMs: t1 - t0, runMs: t2 - t1 };
}

async function handleRun(req: RunRequest): Promise<void> {
  try {
    if (req.pixels.byteLength !== req.count * frameBytes)
      throw new Error(
        `batch holds ${req.pixels.byteLength} bytes, expected ${req.count} x ${frameBytes} (${spec.width}x${spec.height} RGB24)`,
      );
    const { outputs, prepMs, runMs } = await runBatch(req.count, new Uint8Array(req.pixels));
    const t0 = performance.now();
    let detections: RunResultDetections;
    if (req.decode) {
      if (!decoder) throw new Error('this session has no decoder');
      if (req.decode.length !== req.count) throw new Error('one DecodeOptions per image is required');
      detections = req.decode.map((opts, i) => decoder!.decode(outputs, i, opts));
    }
    const decodeMs = performance.now() - t0;
    const transfer: ArrayBuffer[] = [];
    let raw: Record<string, { data: Float32Array; dims: number[] }> | undefined;
    if (req.raw) {
      raw = {};
      for (const [name, o] of Object.entries(outputs)) {
        const copy = o.data.slice();
        raw[name] = { data: copy, dims: [...o.dims] };
        transfer.push(copy.buffer);
      }
    }
    send(
      {
        type: 'result',
        id: req.id,
        ...(detections ? { detections } : {}),
        ...(raw ? { outputs: raw } : {}),
        timings: { prepMs, runMs, decodeMs },
      },
      transfer,
    );
  } catch (err) {
    send({ type: 'run-error', id: req.id, message: errorText(err) });
  }
}

type RunResultDetections = ReturnType<ModelDecoder['decode']>[] | undefined;

async function start(): Promise<void> {
  const t0 = performance.now();
  let created: Awaited<ReturnType<typeof createSession>>;
  try {
    created = await createSession();
  } catch (err) {
    send({ type: 'init-error', message: `cannot load model ${init.modelPath}: ${errorText(err)}` });
    return;
  }
  session = created.session;
  const loadMs = performance.now() - t0;
  try {
    if (!session.inputNames.includes(spec.inputName))
      throw new Error(
        `model has no input '${spec.inputName}' (inputs: ${session.inputNames.join(', ') || 'none'})`,
      );
    if (init.decoder) decoder = decoderFor(init.decoder.format, { outputName: init.decoder.outputName });
    const wanted = decoder ? [...decoder.outputNames] : (init.outputNames ?? [...session.outputNames]);
    // A YOLO export with a single output of another name: use it.
    if (
      decoder?.format === 'yolo' &&
      session.outputNames.length === 1 &&
      !session.outputNames.includes(wanted[0]!)
    )
      fetchNames = [...session.outputNames];
    else fetchNames = wanted;
    const missing = fetchNames.filter((n) => !session.outputNames.includes(n));
    if (missing.length > 0)
      throw new Error(
        `model lacks output(s) ${missing.join(', ')} (outputs: ${session.outputNames.join(', ') || 'none'})`,
      );
    let warmupMs: number | undefined;
    if (init.warmup) {
      const w0 = performance.now();
      const { outputs } = await runBatch(1, new Uint8Array(frameBytes));
      if (decoder && init.warmupDecode) decoder.decode(outputs, 0, init.warmupDecode);
      warmupMs = performance.now() - w0;
    }
    send({
      type: 'ready',
      provider: created.provider,
      ...(created.fallbackReason ? { fallbackReason: created.fallbackReason } : {}),
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      loadMs,
      ...(warmupMs !== undefined ? { warmupMs } : {}),
    });
  } catch (err) {
    send({
      type: 'init-error',
      message: `model ${init.modelPath} does not fit its registry entry: ${errorText(err)}`,
    });
    await session.release().catch(() => undefined);
    return;
  }
  // Requests are served one at a time: onnxruntime already uses intraOpThreads inside one run.
  let chain = Promise.resolve();
  port.on('message', (m: MainToWorker) => {
    if (m.type === 'close') {
      chain = chain.then(async () => {
        await session.release().catch(() => undefined);
        port.close();
      });
      return;
    }
    chain = chain.then(() => handleRun(m));
  });
}

void start();
