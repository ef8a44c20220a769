"""Reads an ajar `format=ooni` export with OONI's own package, as OONI's pipeline does
(`oonidata.dataclient.stream_jsonl` over the gzipped JSONL, then `load_measurement`), and
checks every line against ooni/spec df-000 (base data format), bk-003 (the collector's field
rules) and ts-036 (browser_web).

Usage: python ooni_check.py EXPORT.jsonl  — prints a JSON summary; exits 1 on any violation.
"""

import dataclasses
import gzip
import io
import json
import math
import re
import sys

from oonidata.dataclient import load_measurement, stream_jsonl
from oonidata.models.nettests import NETTEST_MODELS, BaseMeasurement

TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
TOKEN = re.compile(r"^[0-9A-Za-z_.+-]+$")  # bk-003: software_name, software_version, test_name, test_version
ASN = re.compile(r"^AS[0-9]{1,10}$")
CC = re.compile(r"^[A-Z]{2}$")
# df-000: keys a client emits (required or optional); anything else must be an `x_` extension.
DF000 = {
    "annotations", "data_format_version", "extensions", "id", "input", "measurement_start_time",
    "options", "probe_asn", "probe_network_name", "probe_cc", "probe_ip", "report_id",
    "resolver_asn", "resolver_ip", "resolver_network_name", "software_name", "software_version",
    "test_helpers", "test_keys", "test_name", "test_runtime", "test_start_time", "test_version",
}
# Set by OONI's backend and pipeline, never by a client.
NOT_FROM_CLIENTS = {"bucket_date", "report_filename", "backend_version", "measurement_uid"}
REQUIRED = {
    "data_format_version": str, "input": str, "measurement_start_time": str, "probe_asn": str,
    "probe_cc": str, "probe_ip": str, "report_id": str, "software_name": str,
    "software_version": str, "test_helpers": dict, "test_keys": dict, "test_name": str,
    "test_runtime": (int, float), "test_start_time": str, "test_version": str,
}


def violations(raw):
    v = []
    for key, kind in REQUIRED.items():
        if key not in raw:
            v.append(f"{key}: missing (df-000)")
        elif not isinstance(raw[key], kind) or isinstance(raw[key], bool):
            v.append(f"{key}: {type(raw[key]).__name__}, not {kind} (df-000)")
    for key in raw:
        if key in NOT_FROM_CLIENTS:
            v.append(f"{key}: set by OONI's backend, not by a client (df-000)")
        elif key not in DF000 and not key.startswith("x_"):
            v.append(f"{key}: not a df-000 key and not an x_ extension")
    if v:
        return v
    if raw["data_format_version"] != "0.2.0":
        v.append("data_format_version: not 0.2.0")
    for key in ("measurement_start_time", "test_start_time"):
        if not TIME.match(raw[key]):
            v.append(f"{key}: not YYYY-MM-DD hh:mm:ss")
    if not ASN.match(raw["probe_asn"]):
        v.append("probe_asn: not ^AS[0-9]{1,10}$")
    if not CC.match(raw["probe_cc"]) or raw["probe_cc"] in ("T1", "XX"):
        v.append(f"probe_cc: {raw['probe_cc']} is not a country code or ZZ")
    for key in ("software_name", "software_version", "test_name", "test_version"):
        if not TOKEN.match(raw[key]):
            v.append(f"{key}: not ^[0-9A-Za-z_.+-]+$ (bk-003)")
    if not math.isfinite(raw["test_runtime"]) or raw["test_runtime"] < 0:
        v.append("test_runtime: not a finite non-negative number")
    annotations = raw.get("annotations", {})
    if not isinstance(annotations, dict) or not all(isinstance(x, str) for x in annotations.values()):
        v.append("annotations: not map[string]string")
    # ts-036 browser_web
    if raw["test_name"] != "browser_web":
        v.append(f"test_name: {raw['test_name']}, not browser_web")
    if not re.match(r"^https?://", raw["input"]):
        v.append("input: browser_web takes URLs")
    tk = raw["test_keys"]
    if tk.get("result") not in ("ok", "error"):
        v.append(f"test_keys.result: {tk.get('result')!r}, not ok or error (ts-036)")
    if not isinstance(tk.get("load_time_ms"), (int, float)) or isinstance(tk.get("load_time_ms"), bool):
        v.append("test_keys.load_time_ms: not a number (ts-036)")
    if not isinstance(tk.get("browser"), str) or not tk["browser"]:
        v.append("test_keys.browser: not a browser name (ts-036)")
    return v


def model_drops(raw, msmt):
    """Test keys (other than x_ extensions) that the loaded model lost or changed."""
    lost = []
    model_keys = {f.name for f in dataclasses.fields(msmt.test_keys)}
    for key, value in raw["test_keys"].items():
        if key.startswith("x_"):
            continue
        if key not in model_keys:
            lost.append(f"test_keys.{key}: dropped by {type(msmt.test_keys).__name__}")
        elif getattr(msmt.test_keys, key) != value:
            lost.append(f"test_keys.{key}: {value!r} loaded as {getattr(msmt.test_keys, key)!r}")
    for key in ("input", "report_id", "probe_cc", "probe_asn", "measurement_start_time", "test_runtime"):
        if getattr(msmt, key) != raw[key]:
            lost.append(f"{key}: {raw[key]!r} loaded as {getattr(msmt, key)!r}")
    return lost


def main(path):
    with open(path, "rb") as f:
        body = f.read()
    # The path OONI's pipeline takes for .jsonl.gz files.
    lines = list(stream_jsonl(io.BytesIO(gzip.compress(body))))
    summary = {"lines": len(lines), "loaded": 0, "classes": {}, "violations": []}
    for n, raw in enumerate(lines, 1):
        problems = violations(raw)
        try:
            msmt = load_measurement(msmt=raw)
        except Exception as e:  # noqa: BLE001 - any failure to load is the finding
            summary["violations"].append({"line": n, "problems": [f"load_measurement: {type(e).__name__}: {e}"]})
            continue
        cls = type(msmt)
        summary["classes"][cls.__name__] = summary["classes"].get(cls.__name__, 0) + 1
        if cls is BaseMeasurement or NETTEST_MODELS.get(raw.get("test_name")) is not cls:
            problems.append(f"test_name {raw.get('test_name')!r}: loaded as the generic {cls.__name__}")
        else:
            problems += model_drops(raw, msmt)
        if problems:
            summary["violations"].append({"line": n, "input": raw.get("input"), "problems": problems})
        else:
            summary["loaded"] += 1
    print(json.dumps(summary))
    return 0 if summary["lines"] > 0 and not summary["violations"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
