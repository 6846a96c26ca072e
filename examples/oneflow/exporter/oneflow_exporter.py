#!/usr/bin/env python3
"""A synthetic OneFlow API for the demo: the stack summary's metrics, with faults on demand.

Serves, with Python's standard library only:

* ``GET /metrics`` on ``--port`` (8000): ``oneflow_requests_total{status,provider,endpoint}``,
  ``oneflow_request_duration_seconds{provider}`` (buckets 0.1, 0.5, 1, 2, 5, 10),
  ``oneflow_total_cost_credits{provider}`` and the provider gauges, growing with steady
  traffic as if requests were served;
* ``POST /inject?fault=outage|latency|cost|clear&provider=NAME|all``: every request of the
  provider fails, takes 3 to 5 s, or costs 1.2 credits, from now until cleared;
* ``GET /faults``: the faults in force, as JSON;
* on ``--webhook-port`` (8080), an Alertmanager webhook receiver: every notification is
  printed on one line (``NOTIFY /pager firing critical OneflowAvailability...``), and
  ``GET /notifications`` lists the ones received, as JSON.

    python3 oneflow_exporter.py --host 127.0.0.1 --port 8000 --webhook-port 8080
    curl -X POST 'http://127.0.0.1:8000/inject?fault=outage&provider=all'
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PROVIDERS = ["openai", "anthropic", "local"]
ENDPOINT = "/api/v1/completion"
BUCKETS = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0]
# Requests per second per provider, and the share of requests finished within each bucket
# (cumulative, as Prometheus buckets are): healthy, and under a latency fault.
RATE = {"openai": 20.0, "anthropic": 10.0, "local": 5.0}
HEALTHY_LATENCY = [0.30, 0.85, 0.97, 0.995, 1.0, 1.0]
SLOW_LATENCY = [0.0, 0.0, 0.05, 0.10, 0.90, 1.0]
HEALTHY_ERRORS = 0.0002
HEALTHY_COST, EXPENSIVE_COST = 0.2, 1.2
FAULTS = ("outage", "latency", "cost")


class Traffic:
    """Counters that grow with the time elapsed, at the rates the faults in force give."""

    def __init__(self):
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self.faults = {p: set() for p in PROVIDERS}
        self.requests = {(p, s): 0.0 for p in PROVIDERS for s in ("success", "error")}
        self.buckets = {p: [0.0] * len(BUCKETS) for p in PROVIDERS}
        self.count = {p: 0.0 for p in PROVIDERS}
        self.duration_sum = {p: 0.0 for p in PROVIDERS}
        self.cost = {p: 0.0 for p in PROVIDERS}

    def advance(self):
        now = time.monotonic()
        elapsed, self.last = now - self.last, now
        for p in PROVIDERS:
            n = RATE[p] * elapsed
            faults = self.faults[p]
            errors = 1.0 if "outage" in faults else HEALTHY_ERRORS
            self.requests[(p, "error")] += n * errors
            self.requests[(p, "success")] += n * (1.0 - errors)
            shares = SLOW_LATENCY if "latency" in faults else HEALTHY_LATENCY
            for i, share in enumerate(shares):
                self.buckets[p][i] += n * share
            self.count[p] += n
            self.duration_sum[p] += n * (4.0 if "latency" in faults else 0.35)
            self.cost[p] += n * (EXPENSIVE_COST if "cost" in faults else HEALTHY_COST)

    def inject(self, fault, provider):
        names = PROVIDERS if provider == "all" else [provider]
        if fault not in FAULTS + ("clear",) or any(p not in PROVIDERS for p in names):
            return False
        with self.lock:
            self.advance()
            for p in names:
                if fault == "clear":
                    self.faults[p].clear()
                else:
                    self.faults[p].add(fault)
        return True

    def exposition(self):
        with self.lock:
            self.advance()
            lines = [
                "# HELP oneflow_requests_total Total requests.",
                "# TYPE oneflow_requests_total counter",
            ]
            for (p, status), value in sorted(self.requests.items()):
                lines.append(
                    f'oneflow_requests_total{{status="{status}",provider="{p}",endpoint="{ENDPOINT}"}} {value:.3f}'
                )
            lines += [
                "# HELP oneflow_request_duration_seconds Request duration.",
                "# TYPE oneflow_request_duration_seconds histogram",
            ]
            for p in PROVIDERS:
                for bound, value in zip(BUCKETS, self.buckets[p]):
                    lines.append(f'oneflow_request_duration_seconds_bucket{{provider="{p}",le="{bound}"}} {value:.3f}')
                lines.append(f'oneflow_request_duration_seconds_bucket{{provider="{p}",le="+Inf"}} {self.count[p]:.3f}')
                lines.append(f'oneflow_request_duration_seconds_sum{{provider="{p}"}} {self.duration_sum[p]:.3f}')
                lines.append(f'oneflow_request_duration_seconds_count{{provider="{p}"}} {self.count[p]:.3f}')
            lines += [
                "# HELP oneflow_total_cost_credits Credits spent.",
                "# TYPE oneflow_total_cost_credits counter",
            ]
            for p in PROVIDERS:
                lines.append(f'oneflow_total_cost_credits{{provider="{p}"}} {self.cost[p]:.3f}')
            gauges = [
                ("oneflow_provider_health_status", "Provider health (0/1).", lambda p: 0 if "outage" in self.faults[p] else 1),
                ("oneflow_provider_error_rate", "Provider error ratio.", lambda p: 1.0 if "outage" in self.faults[p] else HEALTHY_ERRORS),
                ("oneflow_circuit_breaker_state", "0 closed, 1 open, 2 half-open.", lambda p: 1 if "outage" in self.faults[p] else 0),
                ("oneflow_cost_per_request_credits", "Credits per request.", lambda p: EXPENSIVE_COST if "cost" in self.faults[p] else HEALTHY_COST),
            ]
            for name, help_text, value in gauges:
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
                lines += [f'{name}{{provider="{p}"}} {value(p)}' for p in PROVIDERS]
            return "\n".join(lines) + "\n"


class Notifications:
    def __init__(self):
        self.lock = threading.Lock()
        self.received = []

    def add(self, path, payload):
        alerts = payload.get("alerts", []) if isinstance(payload, dict) else []
        summary = {
            "receiver_path": path,
            "status": payload.get("status") if isinstance(payload, dict) else None,
            "alerts": [
                {"status": a.get("status"), "labels": a.get("labels", {})} for a in alerts if isinstance(a, dict)
            ],
        }
        with self.lock:
            self.received.append(summary)
        for alert in summary["alerts"]:
            labels = alert["labels"]
            shown = " ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("alertname", "severity"))
            print(
                f"NOTIFY {path} {alert['status']} {labels.get('severity', '-')} {labels.get('alertname', '-')} {shown}",
                flush=True,
            )


def handler(traffic, notifications):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, code, body, content_type="text/plain; charset=utf-8"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urlparse(self.path).path
            if path == "/metrics" and traffic:
                self.answer(200, traffic.exposition(), "text/plain; version=0.0.4; charset=utf-8")
            elif path == "/faults" and traffic:
                with traffic.lock:
                    faults = {p: sorted(f) for p, f in traffic.faults.items()}
                self.answer(200, json.dumps(faults), "application/json")
            elif path == "/notifications" and notifications:
                with notifications.lock:
                    self.answer(200, json.dumps(notifications.received), "application/json")
            else:
                self.answer(404, "not found\n")

        def do_POST(self):
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20))
            if traffic and url.path == "/inject":
                query = parse_qs(url.query)
                fault = query.get("fault", [""])[0]
                provider = query.get("provider", ["all"])[0]
                if traffic.inject(fault, provider):
                    print(f"FAULT {fault} {provider}", flush=True)
                    self.answer(200, f"{fault} {provider}\n")
                else:
                    self.answer(400, f"fault is one of {', '.join(FAULTS)}, clear; provider one of {', '.join(PROVIDERS)}, all\n")
            elif notifications:
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    self.answer(400, "not JSON\n")
                    return
                notifications.add(url.path, payload)
                self.answer(200, "ok\n")
            else:
                self.answer(404, "not found\n")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000, help="metrics and fault injection")
    parser.add_argument("--webhook-port", type=int, default=8080, help="Alertmanager webhook receiver (0: none)")
    args = parser.parse_args()
    traffic, notifications = Traffic(), Notifications()
    servers = [ThreadingHTTPServer((args.host, args.port), handler(traffic, None))]
    if args.webhook_port:
        servers.append(ThreadingHTTPServer((args.host, args.webhook_port), handler(None, notifications)))
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY metrics on {args.host}:{args.port}, webhooks on {args.host}:{args.webhook_port}", flush=True)
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
