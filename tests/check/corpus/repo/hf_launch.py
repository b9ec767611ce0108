from sagemaker.huggingface import HuggingFace as HF

hyperparameters = {"epochs": 1, "model_name_or_path": "bert-base-uncased"}
distribution = {"smdistributed": {"dataparallel": {"enabled": True}}}

good = HF(
    entry_point="run_glue.py",
    source_dir="./examples",
    instance_type="ml.p4d.24xlarge",
    instance_count=2,
    transformers_version="4.36.0",
    pytorch_version="2.1.0",
    py_version="py310",
    hyperparameters=hyperparameters,
    distribution=distribution,
)
bad_pair = HF(
    entry_point="run_glue.py",
    source_dir="./examples",
    instance_type="ml.p4d.24xlarge",
    instance_count=2,
    transformers_version="4.36.0",
    pytorch_version="2.3.0",
    py_version="py310",
    distribution=distribution,
)
