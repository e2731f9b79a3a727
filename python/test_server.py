"""End-to-end test of `unmask serve` with the real `openai` client package.

Starts `unmask serve` on 127.0.0.1 with a free port (--port 0, the port read from its first
line), runs every check against it, and kills it at the end. Run by scripts/test-serve.sh
(from .ci/run) as:

    UNMASK_BIN=.build/debug/unmask .venv/bin/python python/test_server.py

Checks: models, completions and chat equal to `unmask generate` cut at EOS and decoded by
`unmask detokenize`, streaming, step events, a client disconnect stopping its run, and every
error status (400, 401, 404, 413, 429), and that SIGINT stops the server with status 0.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

import openai

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("UNMASK_BIN", os.path.join(ROOT, ".build", "debug", "unmask"))
MODEL = os.path.join(ROOT, "models", "tiny-llada-trained")
KEY = "test-key"
NAME = "tiny-llada-trained"
EOS = 465  # config.json eos_token_id of the tiny model
SERVER = {}


def start_server():
    """Starts the server and returns (process, base URL); fails after 60 s without a port."""
    process = subprocess.Popen(
        [BIN, "serve", "--model", MODEL, "--port", "0", "--api-key", KEY,
         "--max-queue", "0", "--max-body-bytes", "65536", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    deadline = time.time() + 60
    line = ""
    while time.time() < deadline:
        line = process.stdout.readline()
        if "unmask serve:" in line:
            break
        if process.poll() is not None:
            raise RuntimeError("unmask serve exited: " + line + process.stdout.read())
    else:
        process.kill()
        raise RuntimeError("unmask serve printed no address within 60 s")
    url = line.strip().rsplit(" ", 1)[-1]
    # Keep draining its output so the pipe never fills.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process, url


def cli(*args, stdin=None):
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=120).stdout


def reference(prompt, seed=0, chat=False, length=8, steps=4, temperature=None):
    """`unmask generate` tokens cut at EOS, decoded by `unmask detokenize`."""
    args = ["generate", "--model", MODEL, "--prompt", prompt, "--length", str(length),
            "--steps", str(steps), "--seed", str(seed), "--json", "--quiet"]
    if temperature is not None:
        args += ["--temperature", str(temperature)]
    if chat:
        args.append("--chat")
    tokens = json.loads(cli(*args))["tokens"]
    cut = tokens[:tokens.index(EOS)] if EOS in tokens else tokens
    text = json.loads(cli("detokenize", "--model", MODEL, stdin=json.dumps(cut) + "\n"))
    return cut, text


def raw(path, body=None, key=KEY, method=None):
    """(status, headers, body bytes) of a raw request."""
    request = urllib.request.Request(SERVER["url"] + path, method=method)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def health():
    return json.loads(raw("/health", key=None)[2])


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = openai.OpenAI(base_url=SERVER["url"] + "/v1", api_key=KEY, max_retries=0,
                                   timeout=120)

    def test_models(self):
        self.assertEqual([m.id for m in self.client.models.list()], [NAME])

    def test_completion_matches_generate(self):
        for seed in (0, 3):
            tokens, text = reference("Once upon a time", seed=seed)
            result = self.client.completions.create(
                model=NAME, prompt="Once upon a time", max_tokens=8, seed=seed, temperature=0,
                extra_body={"steps": 4})
            self.assertEqual(result.choices[0].text, text)
            self.assertEqual(result.usage.completion_tokens, len(tokens))
            self.assertEqual(result.choices[0].finish_reason, "stop" if len(tokens) < 8 else "length")

    def test_n_choices_are_seed_plus_j(self):
        texts = [reference("Once upon a time", seed=5 + j, temperature=1)[1] for j in range(3)]
        result = self.client.completions.create(
            model=NAME, prompt="Once upon a time", max_tokens=8, n=3, seed=5, temperature=1,
            extra_body={"steps": 4})
        self.assertEqual([c.index for c in result.choices], [0, 1, 2])
        self.assertEqual([c.text for c in result.choices], texts)

    def test_chat_matches_generate(self):
        tokens, text = reference("Hello", chat=True)
        result = self.client.chat.completions.create(
            model=NAME, messages=[{"role": "user", "content": "Hello"}], max_tokens=8,
            extra_body={"steps": 4})
        self.assertEqual(result.choices[0].message.content, text)
        self.assertEqual(result.choices[0].message.role, "assistant")
        self.assertEqual(result.usage.completion_tokens, len(tokens))

    def test_stream(self):
        _, text = reference("Once")
        stream = self.client.completions.create(
            model=NAME, prompt="Once", max_tokens=8, stream=True, extra_body={"steps": 4})
        pieces = [c.choices[0].text for c in stream if c.choices]
        self.assertEqual("".join(pieces), text)
        chat = self.client.chat.completions.create(
            model=NAME, messages=[{"role": "user", "content": "Hello"}], max_tokens=8,
            stream=True, stream_options={"include_usage": True}, extra_body={"steps": 4})
        chunks = list(chat)
        content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(content, reference("Hello", chat=True)[1])
        self.assertIsNotNone(chunks[-1].usage)

    def test_step_events(self):
        stream = self.client.completions.create(
            model=NAME, prompt="Once", max_tokens=8, stream=True,
            extra_body={"steps": 4, "stream_steps": True})
        steps, texts = [], []
        for chunk in stream:
            extra = chunk.model_extra or {}
            if extra.get("object") == "unmask.step" or chunk.object == "unmask.step":
                steps.append(chunk.model_dump())
            elif chunk.choices:
                texts.append(chunk.choices[0].text)
        self.assertEqual([s["step"] for s in steps], [0, 1, 2, 3])
        self.assertEqual([s["masked"] for s in steps], [6, 4, 2, 0])
        self.assertEqual(steps[0]["canvas"].count("\u2591"), 6)
        self.assertEqual("".join(texts), reference("Once")[1])

    def test_disconnect_stops_the_run(self):
        before = health()["stopped_runs"]
        with self.client.completions.with_streaming_response.create(
                model=NAME, prompt="Once", max_tokens=64, stream=True,
                extra_body={"steps": 64, "stream_steps": True}) as response:
            for line in response.iter_lines():
                if line.startswith("event: step"):
                    break  # leave after the first step: the connection closes
        deadline = time.time() + 60
        while time.time() < deadline and health()["stopped_runs"] == before:
            time.sleep(0.2)
        self.assertEqual(health()["stopped_runs"], before + 1)
        self.wait_idle()

    def wait_idle(self):
        deadline = time.time() + 60
        while time.time() < deadline and health()["pending"] > 0:
            time.sleep(0.2)

    def test_400(self):
        with self.assertRaises(openai.BadRequestError) as caught:
            self.client.completions.create(model=NAME, prompt="x", max_tokens=0)
        self.assertEqual(caught.exception.body["param"], "max_tokens")
        with self.assertRaises(openai.BadRequestError) as caught:
            self.client.completions.create(model=NAME, prompt="x", max_tokens=5000)
        self.assertEqual(caught.exception.body["code"], "context_length_exceeded")
        with self.assertRaises(openai.BadRequestError) as caught:
            self.client.completions.create(
                model=NAME, prompt="x", max_tokens=8, extra_body={"strategy": "nope"})
        self.assertEqual(caught.exception.body["param"], "strategy")
        status, _, body = raw("/v1/completions", b"{not json")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["type"], "invalid_request_error")

    def test_401(self):
        bad = openai.OpenAI(base_url=SERVER["url"] + "/v1", api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            bad.models.list()
        self.assertEqual(raw("/v1/models", key=None)[0], 401)

    def test_404(self):
        with self.assertRaises(openai.NotFoundError) as caught:
            self.client.completions.create(model="gpt-4", prompt="x", max_tokens=8)
        self.assertEqual(caught.exception.body["code"], "model_not_found")
        status, _, body = raw("/v1/nowhere")
        self.assertEqual(status, 404)
        self.assertIn("error", json.loads(body))

    def test_413(self):
        with self.assertRaises(openai.APIStatusError) as caught:
            self.client.completions.create(model=NAME, prompt="a" * 100_000, max_tokens=8)
        self.assertEqual(caught.exception.status_code, 413)

    def test_429(self):
        # --max-queue 0: while one run is in progress, the next request is refused.
        self.wait_idle()
        done = threading.Event()

        def long_run():
            try:
                self.client.completions.create(
                    model=NAME, prompt="Once", max_tokens=64, extra_body={"steps": 64})
            finally:
                done.set()

        thread = threading.Thread(target=long_run)
        thread.start()
        deadline = time.time() + 30
        while time.time() < deadline and health()["pending"] == 0 and not done.is_set():
            time.sleep(0.05)
        try:
            with self.assertRaises(openai.RateLimitError) as caught:
                self.client.completions.create(
                    model=NAME, prompt="x", max_tokens=8, extra_body={"steps": 4})
            self.assertGreaterEqual(int(caught.exception.response.headers["retry-after"]), 1)
            self.assertEqual(caught.exception.body["code"], "queue_full")
        finally:
            thread.join(timeout=120)


def main():
    process, url = start_server()
    SERVER["url"] = url
    ok = False
    try:
        program = unittest.main(exit=False, verbosity=2)
        ok = program.result.wasSuccessful()
    finally:
        # Ctrl-C (SIGINT) must stop the server cleanly: exit status 0 within 10 s.
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=10)
            print(f"unmask serve exited with status {code} after SIGINT")
            ok = ok and code == 0
        except subprocess.TimeoutExpired:
            print("unmask serve did not stop within 10 s of SIGINT")
            process.kill()
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
