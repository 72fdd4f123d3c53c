// Methods about the backend itself: the handshake and two diagnostics.

import { setTimeout as delay } from 'node:timers/promises';
import { BACKEND_VERSION, PROTOCOL_VERSION } from '../../version.js';
import { activePlatform } from '../../platform/active.js';
import { throwIfCancelled } from '../../task.js';
import { defineMethod, type RpcMethod } from '../method.js';

export interface InitializeResult {
  backendVersion: string;
  protocolVersion: string;
  pid: number;
  node: string;
  os: { platform: string; arch: string; release: string };
  capabilities: { platform: string; methods: string[] };
}

/** Built by the server, which knows the full method list. */
export function initializeMethod(allMethods: () => string[]): RpcMethod {
  return defineMethod({
    name: 'initialize',
    summary: 'handshake: backend and protocol versions, OS and capabilities',
    params: ['clientName', 'clientVersion', 'protocolVersion'],
    handler: async (p) => {
      p.optionalString('clientName');
      p.optionalString('clientVersion');
      p.optionalString('protocolVersion');
      const platform = activePlatform();
      const { release } = await import('node:os');
      const result: InitializeResult = {
        backendVersion: BACKEND_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        pid: process.pid,
        node: process.version,
        os: { platform: process.platform, arch: process.arch, release: release() },
        capabilities: { platform: platform.name, methods: allMethods() },
      };
      return result;
    },
  });
}

export const backendMethods: RpcMethod[] = [
  defineMethod({
    name: 'backend/ping',
    summary: 'answers at once; measures the round trip',
    params: [],
    handler: () => ({ pong: true, time: new Date().toISOString() }),
  }),
  defineMethod({
    name: 'backend/wait',
    summary: 'waits in steps with progress (and one streamed item per step); checks progress, items and cancellation end to end',
    params: ['steps', 'stepMs'],
    handler: async (p, ctx) => {
      const steps = p.optionalNumber('steps', { min: 0, max: 100000, integer: true }) ?? 10;
      const stepMs = p.optionalNumber('stepMs', { min: 0, max: 60000, integer: true }) ?? 100;
      ctx.progress.begin({ entriesDone: 0, entriesTotal: steps, message: 'waiting' });
      for (let i = 0; i < steps; i++) {
        throwIfCancelled(ctx.signal, `backend/wait (step ${i} of ${steps})`);
        await delay(stepMs);
        ctx.progress.report({ entriesDone: i + 1, entriesTotal: steps, message: `step ${i + 1}` });
        await ctx.items.push({ step: i + 1 });
      }
      ctx.progress.end({ entriesDone: steps, entriesTotal: steps });
      return { steps };
    },
  }),
  defineMethod({
    name: 'backend/echo',
    summary: 'returns its text; with an itemToken streams it back as count $/items objects',
    params: ['text', 'count'],
    handler: async (p, ctx) => {
      const text = p.optionalString('text') ?? '';
      const count = p.optionalNumber('count', { min: 0, max: 100000, integer: true }) ?? 0;
      if (!ctx.items.active) return { text, items: Array.from({ length: count }, (_, index) => ({ index, text })) };
      for (let index = 0; index < count; index++) {
        throwIfCancelled(ctx.signal, `backend/echo (item ${index} of ${count})`);
        await ctx.items.push({ index, text });
      }
      return { text, count: ctx.items.sent };
    },
  }),
];
