"""Ollama on a Modal serverless GPU for Folio: scale-to-zero, weights on a persistent volume, proxy auth.

Deploy:   modal deploy deploy/modal/ollama_server.py
Pull a model into the volume once:
          modal run deploy/modal/ollama_server.py::pull --model qwen2.5:7b-instruct
Folio:    FOLIO_MODEL=ollama
          FOLIO_MODEL_BASE_URL=https://<workspace>--folio-ollama-serve.modal.run
          FOLIO_CHAT_MODEL=qwen2.5:7b-instruct
          MODAL_PROXY_TOKEN_ID=wk-...  MODAL_PROXY_TOKEN_SECRET=ws-...   (create under Settings -> Proxy Auth Tokens)

Requests without the Modal-Key/Modal-Secret headers are refused by Modal before they reach the GPU
(requires_proxy_auth), so the endpoint never runs (or bills) for strangers.
"""

import subprocess
import time

import modal

OLLAMA_VERSION = "0.12.6"
MODELS_DIR = "/root/.ollama"
PORT = 11434

image = (
    modal.Image.debian_slim(python_version="3.12")
    .apt_install("curl", "ca-certificates", "zstd")
    .run_commands(f"curl -fsSL https://ollama.com/install.sh | OLLAMA_VERSION={OLLAMA_VERSION} sh")
    .env({"OLLAMA_HOST": f"0.0.0.0:{PORT}", "OLLAMA_MODELS": f"{MODELS_DIR}/models", "OLLAMA_KEEP_ALIVE": "10m"})
)

# Weights survive scale-to-zero: a cold start loads them from the volume instead of downloading.
weights = modal.Volume.from_name("folio-ollama-weights", create_if_missing=True)
app = modal.App("folio-ollama", image=image)


def _start_ollama() -> subprocess.Popen:
    proc = subprocess.Popen(["ollama", "serve"])
    for _ in range(120):
        try:
            subprocess.run(["ollama", "list"], check=True, capture_output=True)
            return proc
        except subprocess.CalledProcessError:
            time.sleep(0.5)
    raise RuntimeError("ollama did not start")


@app.function(
    gpu="L4",
    volumes={MODELS_DIR: weights},
    scaledown_window=300,  # scale to zero after 5 idle minutes
    timeout=60 * 60,
    max_containers=2,
)
@modal.concurrent(max_inputs=16)
@modal.web_server(port=PORT, startup_timeout=180, requires_proxy_auth=True)
def serve() -> None:
    _start_ollama()


@app.function(volumes={MODELS_DIR: weights}, timeout=60 * 60)
def pull(model: str = "qwen2.5:7b-instruct") -> None:
    proc = _start_ollama()
    subprocess.run(["ollama", "pull", model], check=True)
    weights.commit()
    proc.terminate()
