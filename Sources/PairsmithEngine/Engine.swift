// PairsmithEngine: safetensors loading and the Qwen3 forward pass (Embedder, Reranker).
