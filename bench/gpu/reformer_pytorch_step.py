"""Training-step time of reformer-pytorch on the GPU, for native/gpu-check.sh (run there only where torch and
reformer_pytorch import). Same configurations and step as org.reformer4j.model.GpuModelBench: TrainingWrapper
loss on random ids (never 0), backward, Adam; median seconds per step after warm-up, peak CUDA memory."""
import statistics
import sys
import time

import torch
from reformer_pytorch import ReformerLM
from reformer_pytorch.generative_tools import TrainingWrapper

CONFIGS = {
    "seed_train": (dict(num_tokens=21128, dim=128, depth=12, max_seq_len=128, lsh_dropout=0.1, causal=True,
                        full_attn_thres=128), 8, 128, 10, 3),
    "lsh4k_train": (dict(num_tokens=256, dim=256, depth=6, heads=4, max_seq_len=4096, bucket_size=64, n_hashes=4,
                         causal=True), 1, 4096, 5, 2),
    "lsh4k_train_seq16384": (dict(num_tokens=256, dim=256, depth=6, heads=4, max_seq_len=16384, bucket_size=64,
                                  n_hashes=4, causal=True), 1, 16384, 3, 1),
}


def run(name):
    kwargs, batch, length, steps, warmup = CONFIGS[name]
    torch.manual_seed(1)
    model = TrainingWrapper(ReformerLM(**kwargs), ignore_index=0, pad_value=0).cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(warmup + steps):
        x = torch.randint(1, kwargs["num_tokens"], (batch, length), device="cuda")
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = model(x, return_loss=True)
        loss.backward()
        opt.step()
        opt.zero_grad()
        loss.item()
        torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    print(f"| {torch.cuda.get_device_name()} | reformer-pytorch {name} | {steps} | {statistics.median(times):.4f} | "
          f"{min(times):.4f} | {torch.cuda.max_memory_allocated() / 2**20:.0f} | {loss.item():.4f} |", flush=True)


if __name__ == "__main__":
    print("| device | config | steps | median s/step | min s/step | peak MiB | loss |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in sys.argv[1:] or CONFIGS:
        try:
            run(name)
        except Exception as e:  # report and go on to the next configuration
            print(f"| {name} | failed: {e!r} |", flush=True)
