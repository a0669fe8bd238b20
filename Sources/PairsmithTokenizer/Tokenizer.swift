// PairsmithTokenizer: Qwen2/Qwen3 byte-level BPE read from a Hugging Face tokenizer.json.
