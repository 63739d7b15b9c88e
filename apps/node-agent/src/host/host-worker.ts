/** Entry of the worker thread that runs the emulated host (see HostRuntime). workerData: { memoryMiB }. */
import { parentPort, workerData } from 'node:worker_threads';
import { tuneV8 } from '@xeno/x86-core/engine/v8-tuning';
import type { ToWorker } from './host-protocol';
import { HostRuntime } from './host-runtime';

const port = parentPort;
if (!port) throw new Error('host-worker must run in a worker thread');
const { memoryMiB } = workerData as { memoryMiB: number };
// V8's inlining budget, before any guest code is compiled (measured +5-15% MIPS, see engine/v8-tuning.ts).
tuneV8();
const runtime = new HostRuntime(memoryMiB, (message, transfer) => port.postMessage(message, transfer ?? []));
port.on('message', (message: ToWorker) => runtime.receive(message));
