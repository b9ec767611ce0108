import smdistributed.dataparallel.torch.torch_smddp  # noqa: F401
import torch.distributed as dist

BACKEND = "smddp"
dist.init_process_group(backend=BACKEND)
