# Written for smddp 1.3 and earlier: the API AWS deprecated from smddp 1.4.0.
import smdistributed.dataparallel.torch.distributed as dist
from smdistributed.dataparallel.torch.parallel.distributed import DistributedDataParallel as DDP
import torch

dist.init_process_group()
model = DDP(torch.nn.Linear(4, 2).cuda(dist.get_local_rank()))
