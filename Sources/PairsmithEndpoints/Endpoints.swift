// PairsmithEndpoints: OpenAI-compatible chat-completions and embeddings clients.
