import os

import smdistributed.dataparallel.torch.torch_smddp  # noqa: F401
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group(backend="smddp")
local_rank = int(os.environ["LOCAL_RANK"])
model = DDP(torch.nn.Linear(4, 2).cuda(local_rank), device_ids=[local_rank])
