#!/usr/bin/env python3
"""The real consumers of a `pairsmith export` folder, run by the Swift tests (no network, tiny models built here).

    export_consumers.py load DIR [CONFIG]        datasets.load_dataset(DIR[, CONFIG]): splits, rows, columns, features
    export_consumers.py card DIR                 the card's YAML header as huggingface_hub parses it
    export_consumers.py train-st DIR             one MultipleNegativesRankingLoss step (sentence-transformers export)
    export_consumers.py train-ce DIR             one BinaryCrossEntropyLoss CrossEncoder step (labeled-pair export)
    export_consumers.py train-ce-list DIR        one LambdaLoss CrossEncoder step (labeled-list export)
    export_consumers.py beir DIR SPLIT           beir's GenericDataLoader + EvaluateRetrieval, and sentence-transformers'
                                                 InformationRetrievalEvaluator with a tiny model
    export_consumers.py flag-embedder DIR        FlagEmbedding's AbsEmbedderTrainDataset over the shards
    export_consumers.py flag-reranker DIR        FlagEmbedding's AbsRerankerTrainDataset and AbsLLMRerankerTrainDataset
    export_consumers.py swift-reranker DIR TOKENIZER_DIR   ms-swift's load_dataset + the qwen3_reranker template
                                                 (run with the ms-swift venv's python)

Every command prints one JSON object on stdout. Models are BERTs of 2 layers and hidden size 32 built from a config,
with a WordPiece vocabulary trained on the export's own text by the `tokenizers` library; nothing is downloaded
(HF_HUB_OFFLINE and HF_DATASETS_OFFLINE are set, the datasets cache is a temporary folder).
"""
import glob
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")
_CACHE = tempfile.mkdtemp(prefix="pairsmith-consumers-")
# The libraries print progress and logs to stdout; only the result goes there.
_RESULT = sys.stdout
sys.stdout = sys.stderr
os.environ.setdefault("HF_DATASETS_CACHE", os.path.join(_CACHE, "datasets"))
os.environ.setdefault("HF_HOME", os.path.join(_CACHE, "hf"))


def out(value):
    json.dump(value, _RESULT, ensure_ascii=False, sort_keys=True, default=str)
    _RESULT.flush()


def texts_of(folder):
    """Every string in the export's JSONL files (the tokenizer's training text)."""
    found = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for path in sorted(glob.glob(os.path.join(folder, "**", "*.jsonl"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            for line in f:
                walk(json.loads(line))
    return found


def tiny_bert(folder, texts, classifier=False):
    """A 2-layer BERT (hidden 32) and a WordPiece tokenizer trained on `texts`, saved into `folder`."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=600, special_tokens=special))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")), ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    fast = BertTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", model_max_length=128)
    config = BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=1)
    model = BertForSequenceClassification(config) if classifier else BertModel(config)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def parameters_changed(before, model):
    import torch
    after = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return any(not torch.equal(before[k], after[k]) for k in before)


def last_loss(trainer):
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    if not losses:
        losses = [entry["train_loss"] for entry in trainer.state.log_history if "train_loss" in entry]
    return losses[-1] if losses else None


def command_load(folder, config=None):
    import datasets
    loaded = datasets.load_dataset(folder, config) if config else datasets.load_dataset(folder)
    out({split: {"rows": d.num_rows, "columns": d.column_names, "features": str(d.features), "first": d[0] if d.num_rows else None}
         for split, d in loaded.items()})


def command_card(folder):
    from huggingface_hub import DatasetCard
    card = DatasetCard.load(os.path.join(folder, "README.md"))
    out({"data": card.data.to_dict(), "text": card.text})


def command_train_st(folder):
    import datasets
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers import losses
    from sentence_transformers.models import Pooling, Transformer

    data = datasets.load_dataset(folder)
    train = data["train"]
    work = tempfile.mkdtemp(prefix="st-", dir=_CACHE)
    tiny_bert(os.path.join(work, "bert"), texts_of(folder))
    transformer = Transformer(os.path.join(work, "bert"), max_seq_length=64)
    model = SentenceTransformer(modules=[transformer, Pooling(transformer.get_word_embedding_dimension(), "mean")], device="cpu")
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    args = SentenceTransformerTrainingArguments(
        output_dir=os.path.join(work, "out"), max_steps=1, per_device_train_batch_size=min(4, train.num_rows),
        learning_rate=1e-2, logging_steps=1, save_strategy="no", report_to="none", use_cpu=True, seed=0,
        dataloader_drop_last=False)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train,
                                         loss=losses.MultipleNegativesRankingLoss(model))
    trainer.train()
    out({"columns": train.column_names, "rows": train.num_rows, "steps": trainer.state.global_step,
         "loss": last_loss(trainer), "changed": parameters_changed(before, model)})


def cross_encoder(folder, work):
    from sentence_transformers.cross_encoder import CrossEncoder
    tiny_bert(os.path.join(work, "bert"), texts_of(folder), classifier=True)
    return CrossEncoder(os.path.join(work, "bert"), num_labels=1, max_length=64, device="cpu")


def command_train_ce(folder, listwise=False):
    import datasets
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments, losses

    data = datasets.load_dataset(folder)
    train = data["train"]
    work = tempfile.mkdtemp(prefix="ce-", dir=_CACHE)
    model = cross_encoder(folder, work)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    loss = losses.LambdaLoss(model) if listwise else losses.BinaryCrossEntropyLoss(model)
    args = CrossEncoderTrainingArguments(
        output_dir=os.path.join(work, "out"), max_steps=1, per_device_train_batch_size=min(4, train.num_rows),
        learning_rate=1e-2, logging_steps=1, save_strategy="no", report_to="none", use_cpu=True, seed=0)
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=train, loss=loss)
    trainer.train()
    labels = train["labels" if listwise else "label"]
    out({"columns": train.column_names, "rows": train.num_rows, "steps": trainer.state.global_step,
         "loss": last_loss(trainer), "changed": parameters_changed(before, model),
         "positives": sum(sum(l) for l in labels) if listwise else sum(labels)})


def command_beir(folder, split):
    from beir.datasets.data_loader import GenericDataLoader
    from beir.retrieval.evaluation import EvaluateRetrieval
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.evaluation import InformationRetrievalEvaluator
    from sentence_transformers.models import Pooling, Transformer

    corpus, queries, qrels = GenericDataLoader(data_folder=folder).load(split=split)
    # Perfect results (every judged passage first) must score 1; reversed scores put a random passage first.
    perfect = {qid: {cid: 1.0 for cid in docs} for qid, docs in qrels.items()}
    ndcg, _map, recall, precision = EvaluateRetrieval.evaluate(qrels, perfect, [1, 10])
    work = tempfile.mkdtemp(prefix="beir-", dir=_CACHE)
    texts = [doc["text"] for doc in corpus.values()] + list(queries.values())
    tiny_bert(os.path.join(work, "bert"), texts)
    transformer = Transformer(os.path.join(work, "bert"), max_seq_length=64)
    model = SentenceTransformer(modules=[transformer, Pooling(transformer.get_word_embedding_dimension(), "mean")], device="cpu")
    evaluator = InformationRetrievalEvaluator(
        queries=queries, corpus={cid: doc["text"] for cid, doc in corpus.items()},
        relevant_docs={qid: set(docs) for qid, docs in qrels.items()}, name=split, show_progress_bar=False,
        mrr_at_k=[10], ndcg_at_k=[10], accuracy_at_k=[1, 10], precision_recall_at_k=[10], map_at_k=[10])
    metrics = evaluator(model)
    out({"corpus": len(corpus), "queries": len(queries), "qrels": sum(len(d) for d in qrels.values()),
         "judged_queries": len(qrels), "perfect_ndcg@10": ndcg["NDCG@10"], "perfect_recall@10": recall["Recall@10"],
         "evaluator": {k: float(v) for k, v in metrics.items()}})


def flag_modules():
    """FlagEmbedding's fine-tuning data classes without its package __init__ (which imports inference code that
    needs transformers internals newer releases dropped)."""
    import importlib.util
    import types
    spec = importlib.util.find_spec("FlagEmbedding")
    root = os.path.dirname(spec.origin)
    for name, sub in [("FlagEmbedding", ""), ("FlagEmbedding.abc", "abc"), ("FlagEmbedding.abc.finetune", "abc/finetune"),
                      ("FlagEmbedding.abc.finetune.reranker", "abc/finetune/reranker"),
                      ("FlagEmbedding.abc.finetune.embedder", "abc/finetune/embedder")]:
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [os.path.join(root, sub)]
            sys.modules[name] = module


def shard_folders(folder):
    """The folders holding shards: each split's, or the export folder itself."""
    splits = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    return [os.path.join(folder, d) for d in splits] or [folder]


def command_flag_embedder(folder):
    flag_modules()
    from FlagEmbedding.abc.finetune.embedder.AbsArguments import AbsEmbedderDataArguments
    from FlagEmbedding.abc.finetune.embedder.AbsDataset import AbsEmbedderTrainDataset
    from transformers import AutoTokenizer

    work = tempfile.mkdtemp(prefix="flag-", dir=_CACHE)
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert(os.path.join(work, "bert"), texts_of(folder)))
    train = shard_folders(folder)[0]
    args = AbsEmbedderDataArguments(train_data=[train], train_group_size=3, query_instruction_for_retrieval="",
                                    query_instruction_format="{}{}", cache_path=os.path.join(_CACHE, "flag"))
    dataset = AbsEmbedderTrainDataset(args, tokenizer)
    items = [dataset[i] for i in range(len(dataset)) if dataset.dataset[i]["neg"]]
    queries, passages, _ = items[0]
    out({"rows": len(dataset), "columns": dataset.dataset.column_names, "items_with_negatives": len(items),
         "group": len(passages), "first_query": queries, "first_positive": passages[0]})


def command_flag_reranker(folder):
    flag_modules()
    from FlagEmbedding.abc.finetune.reranker.AbsArguments import AbsRerankerDataArguments
    from FlagEmbedding.abc.finetune.reranker.AbsDataset import AbsLLMRerankerTrainDataset, AbsRerankerTrainDataset
    from transformers import AutoTokenizer

    work = tempfile.mkdtemp(prefix="flag-", dir=_CACHE)
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert(os.path.join(work, "bert"), texts_of(folder)))
    train = shard_folders(folder)[0]
    args = AbsRerankerDataArguments(train_data=[train], train_group_size=4, query_instruction_for_rerank="Q: ",
                                    query_instruction_format="{}{}", cache_path=os.path.join(_CACHE, "flag"))
    encoder = AbsRerankerTrainDataset(args, tokenizer)
    groups = [encoder[i][0] for i in range(len(encoder))]
    llm = AbsLLMRerankerTrainDataset(args, tokenizer)
    llm_groups = [llm[i][0] for i in range(len(llm))]
    out({"rows": len(encoder), "columns": encoder.dataset.column_names, "group": len(groups[0]),
         "llm_group": len(llm_groups[0]), "first_pair": tokenizer.decode(groups[0][0]["input_ids"]),
         "first_llm_pair": tokenizer.decode(llm_groups[0][0]["input_ids"]),
         "query_prompt": encoder.dataset[0]["query_prompt"], "prompt": encoder.dataset[0]["prompt"]})


def command_swift_reranker(folder, tokenizer_dir):
    import shutil
    from swift.dataset import load_dataset
    from swift.model import get_processor
    from swift.template import get_template
    from transformers import Qwen3Config

    files = sorted(glob.glob(os.path.join(shard_folders(folder)[0], "part-*.jsonl")))
    train, _ = load_dataset(files, num_proc=1, load_from_cache_file=False)
    # A Qwen3-Reranker folder without weights: a tiny config and the real Qwen3 tokenizer; ms-swift reads only these
    # to build its processor and the qwen3_reranker template.
    model_dir = tempfile.mkdtemp(prefix="qwen3-reranker-", dir=_CACHE)
    Qwen3Config(vocab_size=151669, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                num_key_value_heads=1, head_dim=16, architectures=["Qwen3ForCausalLM"]).save_pretrained(model_dir)
    for name in os.listdir(tokenizer_dir):
        shutil.copy(os.path.join(tokenizer_dir, name), model_dir)
    processor = get_processor(model_dir, model_type="qwen3_reranker", task_type="generative_reranker", download_model=False)
    template = get_template(processor, template_type="qwen3_reranker")
    template.set_mode("train")
    rows = []
    for index in range(len(train)):
        encoded = template.encode(dict(train[index]))
        rows.append({"labels": encoded["labels"], "texts": [processor.decode(ids) for ids in encoded["input_ids"]]})
    out({"rows": len(train), "columns": train.column_names, "encoded": rows, "first": dict(train[0])})


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    import shutil
    import atexit
    atexit.register(shutil.rmtree, _CACHE, True)
    command, arguments = sys.argv[1], sys.argv[2:]
    table = {
        "load": command_load, "card": command_card, "train-st": command_train_st, "train-ce": command_train_ce,
        "train-ce-list": lambda folder: command_train_ce(folder, listwise=True), "beir": command_beir,
        "flag-embedder": command_flag_embedder, "flag-reranker": command_flag_reranker,
        "swift-reranker": command_swift_reranker,
    }
    if command not in table:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    table[command](*arguments)


if __name__ == "__main__":
    main()
