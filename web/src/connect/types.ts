/** Shapes of /api/readers/me/tokens (src/http/routes/reader-tokens.ts). */
export interface AssistantToken {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface TokenList {
  tokens: AssistantToken[];
  limit: number;
}

/** The answer to a create: the only time the token itself is sent. */
export interface CreatedToken {
  id: string;
  label: string;
  token: string;
  createdAt: string;
}
