/**
 * The chat request, as the AI SDK's chat transport sends it (`DefaultChatTransport`):
 * `{ id, messages, trigger?, messageId? }`, plus Folio's optional `viewing` (the pages on
 * screen; a hint for which page text to include, never a boundary). Only the newest user
 * message is used: history comes from the server's own store.
 */
import { z } from 'zod';
import { FolioError } from '../errors.js';
import { positionBody } from '../progress/rules.js';

const part = z.looseObject({ type: z.string().max(100), text: z.string().optional() });

const message = z.looseObject({
  id: z.string().max(200),
  role: z.enum(['user', 'assistant', 'system']),
  parts: z.array(part).max(200),
});

export const chatRequestSchema = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.:~-]+$/, 'must be a chat id of letters, digits and . _ - : ~'),
  messages: z.array(message).min(1).max(1000),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().max(200).optional(),
  viewing: z.array(positionBody).max(2).optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface Question {
  text: string;
  /** The client's id for the user message (a regenerate re-sends the same one). */
  clientId: string;
}

/** The newest user message's text, checked against the length limit. */
export function newestQuestion(req: ChatRequest, maxChars: number): Question {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!last) throw new FolioError('bad_request:chat', 'The request has no user message: send the question as the last message with role "user".');
  const text = last.parts
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text!)
    .join('\n')
    .trim();
  if (text.length === 0) throw new FolioError('bad_request:chat', 'The question is empty: send it as a text part of the last user message.');
  if (text.length > maxChars) {
    throw new FolioError('bad_request:question_too_long', `Questions are limited to ${maxChars} characters (this one has ${text.length}). Ask something shorter.`, {
      maxChars,
    });
  }
  return { text, clientId: last.id };
}
