# Checks that checkpoints saved by ValueDrift load in Hugging Face transformers and compute the same logits.
# Input: a folder written by the test HfCompatibilityExportTests (artifacts/hf-compat/: model folders + expected.json
# holding ValueDrift's float64 copy of its own logits). Usage: python3 check_transformers.py artifacts/hf-compat
import json, sys, os, torch
import transformers
from transformers import AutoModelForCausalLM
print("transformers", transformers.__version__, "torch", torch.__version__, flush=True)
here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
expected = json.load(open(os.path.join(here, "expected.json")))
ok = True
for name, e in expected.items():
    d = os.path.join(here, name)
    dtype = torch.bfloat16 if e["dtype"] == "BFloat16" else torch.float32
    try:
        m = AutoModelForCausalLM.from_pretrained(d, dtype=dtype)
    except TypeError:
        m = AutoModelForCausalLM.from_pretrained(d, torch_dtype=dtype)
    m.eval()
    with torch.no_grad():
        out = m(torch.tensor([e["ids"]])).logits[0].double()
    ref = torch.tensor(e["logits"], dtype=torch.float64)
    diff = (out - ref).abs().max().item()
    scale = ref.abs().max().item()
    tol = 1e-4 if dtype == torch.float32 else 0.02 * scale
    good = diff <= tol
    ok &= good
    print(f"{name}: {type(m).__name__} dtype {dtype} max|diff| {diff:.3g} (scale {scale:.3g}, tol {tol:.3g}) {'OK' if good else 'MISMATCH'}", flush=True)
print("ALL OK" if ok else "SOME MISMATCH")
