/**
 * The AI SDK chat transport, Folio's way: the reader cookie (`credentials:
 * 'include'`, also for a CDN build), only the newest message plus the pages on
 * screen (the server keeps the history), and refusals as typed ApiErrors so
 * the panel can say what happened (429 with Retry-After, 409 not started…).
 * A 401 `unauthorized:reader` creates a reader once and sends again, like
 * every other API call (api/client.ts).
 */
import { DefaultChatTransport } from 'ai';
import type { FolioUIMessage, Position, RecapScope } from '../../../src/contract/index.js';
import { API_BASE, ApiUnreachable, createReader, toError } from '../api/client';

export type { RecapScope };

export const folioFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  for (let renewed = false; ; renewed = true) {
    let res: Response;
    try {
      res = await fetch(input, init);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiUnreachable();
    }
    if (res.ok) return res;
    const err = await toError(res);
    if (err.code === 'unauthorized:reader' && !renewed) {
      await createReader();
      continue;
    }
    throw err;
  }
};

const seriesApi = (seriesId: string, path: string) => `${API_BASE}/api/series/${encodeURIComponent(seriesId)}/${path}`;

export function chatTransport(seriesId: string, viewing: () => Position[]): DefaultChatTransport<FolioUIMessage> {
  return new DefaultChatTransport<FolioUIMessage>({
    api: seriesApi(seriesId, 'chat'),
    credentials: 'include',
    fetch: folioFetch,
    prepareSendMessagesRequest: ({ id, messages, trigger, messageId }) => {
      const pages = viewing().slice(0, 2);
      return { body: { id, messages: messages.slice(-1), trigger, messageId, ...(pages.length > 0 ? { viewing: pages } : {}) } };
    },
  });
}

/** Recaps speak the chat's stream protocol; the request is only the scope. */
export function recapTransport(seriesId: string, scope: RecapScope): DefaultChatTransport<FolioUIMessage> {
  return new DefaultChatTransport<FolioUIMessage>({
    api: seriesApi(seriesId, 'recap'),
    credentials: 'include',
    fetch: folioFetch,
    prepareSendMessagesRequest: () => ({ body: { scope } }),
  });
}
