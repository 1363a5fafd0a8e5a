#!/usr/bin/env python3
"""Inventory of the public Grafana dashboard corpus in this directory.

Prints the Markdown tables used in SOURCES.md:
  python3 tests/dashboards/inventory.py            # all tables
  python3 tests/dashboards/inventory.py --check    # also exit 1 on any mismatch

For every file it parses the JSON, counts panels (top-level, inside row panels
-- collapsed rows keep their children in row.panels -- and inside legacy
rows[]), counts panel types, detects renderer-relevant features, and checks
provenance: files copied verbatim from a git tree must hash to the recorded
git blob id (sha1 of "blob <len>\\0<bytes>"); files extracted from a YAML
ConfigMap record the ConfigMap and key instead.
"""
import collections
import glob
import hashlib
import json
import os
import sys

# file -> provenance. commit = the snapshot commit the file was read at.
# blob = git blob id of the file at that commit (None: extracted from YAML).
SOURCES = {
    "node-exporter-full.json": dict(
        repo="rfmoz/grafana-dashboards", path="prometheus/node-exporter-full.json",
        commit="4b1729d13b610d449b1055659b070d28c19a9699",
        blob="4277f43fe59497a0e799409a6a7a1e53796a52fb", license="Apache-2.0",
        last="3ef8a9226573e69997746f21e0fc6a2c17c0bad8 (2026-04-25)",
        note="grafana.com 1860 \"Node Exporter Full\", dashboard version 102"),
    "node-exporter-full-old.json": dict(
        repo="rfmoz/grafana-dashboards", path="prometheus/node-exporter-full-old.json",
        commit="4b1729d13b610d449b1055659b070d28c19a9699",
        blob="7191ba90513e12482c4033e776f4b3802c98d295", license="Apache-2.0",
        last="a29096aa49bc0827bf15a195f0305cacdc62e6d1 (2025-08-23)",
        note="pre-timeseries generation of 1860, kept by upstream"),
    "unbound-full.json": dict(
        repo="rfmoz/grafana-dashboards", path="prometheus/unbound-full.json",
        commit="4b1729d13b610d449b1055659b070d28c19a9699",
        blob="9d24feb54362d937d28e812cc41ffcce0b95b78b", license="Apache-2.0",
        last="f0dc9bd6925cb65f7c28363a7d62fdc939f3c156 (2026-04-29)",
        note="unbound_exporter; the corpus' heatmap (rate of _bucket series, format=heatmap, calculate=false)"),
    "postgres-exporter-overview.json": dict(
        repo="prometheus-community/postgres_exporter",
        path="postgres_mixin/dashboards/postgres-overview.json",
        commit="dbb1987e2f0db61c47efb1bb66cc15bbf16f4c11",
        blob="8baf6fbb3b7a41a4f14d46c90791f753dec3d070", license="Apache-2.0",
        last="77e1a0d65a00bc0ec5120e27a0f372d03fec0055 (2025-07-25)",
        note="the exporter's own mixin dashboard (plain JSON in repo)"),
    "redis-exporter.json": dict(
        repo="oliver006/redis_exporter", path="contrib/grafana_prometheus_redis_dashboard.json",
        commit="cd5941f16199f1f1fa9c12b3bf24b509875c955a",
        blob="8853f174b1d5762db4373f0792624bcf83f0b79e", license="MIT",
        last="7d4e6febb63aa7b87b25c41b193190c56775e3e9 (2025-12-20)",
        note="gnetId 763 in the file"),
    "redis-exporter-0.3x.json": dict(
        repo="oliver006/redis_exporter",
        path="contrib/grafana_prometheus_redis_dashboard_exporter_version_0.3x.json",
        commit="cd5941f16199f1f1fa9c12b3bf24b509875c955a",
        blob="6e916a92c39d5fe80f62314dfb57d0df4236c1fb", license="MIT",
        last="9d092aa9f7d97d91fd3c26cb2abb6304feb99150 (2019-07-07)",
        note="legacy: schemaVersion 12, graph/singlestat with gridPos"),
    "minio-dashboard.json": dict(
        repo="minio/minio", path="docs/metrics/prometheus/grafana/minio-dashboard.json",
        commit="7aac2a2c5b7c882e68c1ce017d8256be2feea27f",
        blob="8976eb7b31d01ad5aedd0d48226741031ae9ef91", license="AGPL-3.0",
        last="d002beaee381c275f02a7c06601bf9c0b2371696 (2025-08-04)",
        note="gnetId 13502 in the file"),
    "dockprom-docker-containers.json": dict(
        repo="stefanprodan/dockprom", path="grafana/provisioning/dashboards/docker_containers.json",
        commit="61b72678166d2a7b1ff21937d541151f02c7159c",
        blob="5ac83a67d2a78c1e20b73330906cedcfb9f3c548", license="MIT",
        last="f6aec3bfaa7df4c14b8b09e712864dbabe86a94d (2019-11-18)",
        note="cAdvisor container_* metrics; google/cadvisor ships no dashboard"),
    "grafana-prometheus-2-stats.json": dict(
        repo="grafana/grafana",
        path="public/app/plugins/datasource/prometheus/dashboards/prometheus_2_stats.json",
        commit="34c9233501c058b8dfdb5dac27b0fd9205570383",
        blob="746f37a6274deab921da7eb2c7ef44c4cd257a05", license="Apache-2.0 (at that commit)",
        last="34c9233501c058b8dfdb5dac27b0fd9205570383 (2020-03-11)",
        note="upstream Grafana commit, read from the credativ/plutono fork's history "
             "(grafana/grafana itself is too large to fetch); Grafana 7.x era version"),
    "grafana-prometheus-stats.json": dict(
        repo="grafana/grafana",
        path="public/app/plugins/datasource/prometheus/dashboards/prometheus_stats.json",
        commit="34c9233501c058b8dfdb5dac27b0fd9205570383",
        blob="ac603ea462749cdd21eb824ff1c46c3c3fd9e73e", license="Apache-2.0 (at that commit)",
        last="34c9233501c058b8dfdb5dac27b0fd9205570383 (2020-03-11)",
        note="same route as above; the bundled Prometheus 1.x \"Prometheus Stats\""),
    "prometheus-mixin-overview.json": dict(
        repo="monitoring-mixins/website", path="assets/prometheus/dashboards/prometheus.json",
        commit="f901a79157f44b141be219b8887a34e4a96212fa",
        blob="9624a0992fb2c162bf46b63193a86690a91cfecb", license="Apache-2.0",
        last="8607c0eb5d9de22d796dd092ee4c9348eec3d6bb (2026-07-09)",
        note="rendered from prometheus/prometheus documentation/prometheus-mixin"),
    "alertmanager-mixin-overview.json": dict(
        repo="prometheus-operator/kube-prometheus", path="manifests/grafana-dashboardDefinitions.yaml",
        commit="4d719f1dea8853540b3823ab1fbe6be74a9953b3", blob=None, license="Apache-2.0",
        last="7d59af387e3534f76dd07cad582e81d16dc41f62 (2026-08-10)",
        note="ConfigMap grafana-dashboard-alertmanager-overview, key alertmanager-overview.json "
             "(rendered from prometheus/alertmanager doc/alertmanager-mixin)"),
    "node-mixin-cluster-rsrc-use.json": dict(
        repo="monitoring-mixins/website", path="assets/node-exporter/dashboards/node-cluster-rsrc-use.json",
        commit="f901a79157f44b141be219b8887a34e4a96212fa",
        blob="dd1f30af6588984a7d4f9faa5570288cdd8d3493", license="Apache-2.0",
        last="8607c0eb5d9de22d796dd092ee4c9348eec3d6bb (2026-07-09)",
        note="rendered from prometheus/node_exporter docs/node-mixin"),
    "node-mixin-nodes.json": dict(
        repo="monitoring-mixins/website", path="assets/node-exporter/dashboards/nodes.json",
        commit="f901a79157f44b141be219b8887a34e4a96212fa",
        blob="556a62758a7115f0bbeeb1a7e1c4ef9c53adc184", license="Apache-2.0",
        last="8607c0eb5d9de22d796dd092ee4c9348eec3d6bb (2026-07-09)",
        note="rendered from prometheus/node_exporter docs/node-mixin"),
    "kubernetes-mixin-k8s-resources-cluster.json": dict(
        repo="prometheus-operator/kube-prometheus", path="manifests/grafana-dashboardDefinitions.yaml",
        commit="4d719f1dea8853540b3823ab1fbe6be74a9953b3", blob=None, license="Apache-2.0",
        last="7d59af387e3534f76dd07cad582e81d16dc41f62 (2026-08-10)",
        note="ConfigMap grafana-dashboard-k8s-resources-cluster, key k8s-resources-cluster.json "
             "(kubernetes-monitoring/kubernetes-mixin)"),
    "kubernetes-mixin-k8s-resources-pod.json": dict(
        repo="prometheus-operator/kube-prometheus", path="manifests/grafana-dashboardDefinitions.yaml",
        commit="4d719f1dea8853540b3823ab1fbe6be74a9953b3", blob=None, license="Apache-2.0",
        last="7d59af387e3534f76dd07cad582e81d16dc41f62 (2026-08-10)",
        note="ConfigMap grafana-dashboard-k8s-resources-pod, key k8s-resources-pod.json "
             "(kubernetes-mixin; cAdvisor container_* metrics)"),
    "blackbox-exporter-mixin.json": dict(
        repo="monitoring-mixins/website", path="assets/blackbox_exporter/dashboards/blackbox-exporter.json",
        commit="f901a79157f44b141be219b8887a34e4a96212fa",
        blob="d265c3599532b23437e3fe5f87e0bf3863d7ac0d", license="Apache-2.0",
        last="8b9fc4837f557458277e03f8a2eada184002f395 (2026-03-27)",
        note="rendered from adinhodovic/blackbox-exporter-mixin"),
    "cilium-overview.json": dict(
        repo="monitoring-mixins/website", path="assets/cilium-enterprise/dashboards/cilium-overview.json",
        commit="f901a79157f44b141be219b8887a34e4a96212fa",
        blob="b085246e1573436b44262b83fa4c091b279845fd", license="Apache-2.0",
        last="bc682f74fa2d98ca900b9e6e4f599dd7437af65d (2025-02-25)",
        note="rendered from grafana/jsonnet-libs cilium-enterprise-mixin; textbox var k used in topk()"),
    "victoriametrics-single-node.json": dict(
        repo="VictoriaMetrics/VictoriaMetrics", path="dashboards/victoriametrics.json",
        commit="b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa",
        blob="48cd13f989731f7df7112376fa103d02b0811206", license="Apache-2.0",
        last="f5b7c8795a24199350b8bcf3eb21afc58ef889f4 (2026-08-17)",
        note="grafana.com 10229 per VictoriaMetrics docs (k8s-monitoring guide)"),
    "victoriametrics-alert-statistics.json": dict(
        repo="VictoriaMetrics/VictoriaMetrics", path="dashboards/alert-statistics.json",
        commit="b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa",
        blob="50f8ee9ac0efd444dd44225f03a3fc66a12783ab", license="Apache-2.0",
        last="10dd45c4fddee12bf2cd7a82ded4d52ade318e4e (2026-04-03)",
        note="state-timeline of vmalert_alerts_firing; custom variable $topk (5,10,20,30,50); uses MetricsQL topk_max"),
    "thanos-query.json": dict(
        repo="thanos-io/thanos", path="examples/dashboards/query.json",
        commit="e103a81bd5943697394afcb4fb592b6ffa806c30",
        blob="8a5b27de511540b752fbbd4d0252103d4c3e3e8a", license="Apache-2.0",
        last="4bf3c05bc57980a8cf2cd57a3cb14d2a67c89169 (2023-03-21)",
        note="rendered thanos mixin; legacy rows[] + interval variable"),
}


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def walk_panels(d):
    """Every panel: top-level panels[], children of row panels, legacy rows[].panels[]."""
    for p in d.get("panels") or []:
        yield p
        for c in p.get("panels") or []:
            yield c
    for r in d.get("rows") or []:
        for p in r.get("panels") or []:
            yield p


def custom(p):
    return ((p.get("fieldConfig") or {}).get("defaults") or {}).get("custom") or {}


def features(d, raw):
    f = []
    panels = list(walk_panels(d))
    legacy_rows = d.get("rows") or []
    row_panels = [p for p in d.get("panels") or [] if p.get("type") == "row"]
    types = collections.Counter(p.get("type", "?") for p in panels)
    if legacy_rows:
        f.append(f"legacy rows[] ({len(legacy_rows)})")
    legacy = [t for t in ("graph", "singlestat", "table-old") if types.get(t)]
    if legacy:
        f.append("legacy " + "/".join(legacy))
    collapsed = sum(1 for r in row_panels if r.get("collapsed"))
    if collapsed:
        f.append(f"collapsed rows ({collapsed}/{len(row_panels)})")
    elif row_panels:
        f.append(f"expanded rows ({len(row_panels)})")
    if any(r.get("collapse") for r in legacy_rows):
        f.append("collapsed legacy rows")
    rep_rows = [r.get("repeat") for r in row_panels + legacy_rows if r.get("repeat")]
    if rep_rows:
        f.append("repeated rows ($" + ",$".join(sorted(set(rep_rows))) + ")")
    rep = [p.get("repeat") for p in panels if p.get("type") != "row" and p.get("repeat")]
    if rep:
        f.append(f"repeated panels ({len(rep)}: $" + ",$".join(sorted(set(rep))) + ")")
    ov = sum(1 for p in panels if (p.get("fieldConfig") or {}).get("overrides"))
    if ov:
        f.append(f"fieldConfig overrides ({ov} panels)")
    so = sum(1 for p in panels if p.get("seriesOverrides"))
    if so:
        f.append(f"seriesOverrides ({so} panels)")
    st = sum(1 for p in panels
             if (custom(p).get("stacking") or {}).get("mode") in ("normal", "percent")
             or p.get("stack") is True)
    if st:
        f.append(f"stacking ({st} panels)")
    if any(p.get("transformations") for p in panels):
        f.append("transformations")
    if any(((p.get("fieldConfig") or {}).get("defaults") or {}).get("mappings")
           or p.get("valueMaps") or p.get("rangeMaps") for p in panels):
        f.append("value mappings")
    if "__inputs" in d:
        names = [i.get("name") for i in d["__inputs"] if i.get("name")]
        f.append("__inputs[" + ",".join(names) + "]" if names else "__inputs[] (empty)")
    if "${DS_" in raw:
        f.append("${DS_*} refs")
    vars_ = (d.get("templating") or {}).get("list") or []
    vt = collections.Counter(v.get("type", "?") for v in vars_)
    if vt:
        f.append("vars: " + " ".join(f"{k}×{n}" for k, n in sorted(vt.items())))
    if any(v.get("multi") or v.get("includeAll") for v in vars_):
        f.append("multi/includeAll")
    anns = [a for a in (d.get("annotations") or {}).get("list") or [] if not a.get("builtIn")]
    if anns:
        f.append(f"annotation queries ({len(anns)})")
    return types, f


def main(argv):
    check = "--check" in argv
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(glob.glob(os.path.join(here, "*.json")))
    bad = 0
    rows, prov = [], []
    totals = collections.Counter()
    for fn in files:
        name = os.path.basename(fn)
        data = open(fn, "rb").read()
        raw = data.decode("utf-8")
        d = json.loads(raw)
        types, f = features(d, raw)
        totals.update(types)
        n_rows = types.get("row", 0) + len(d.get("rows") or [])
        n_panels = sum(v for k, v in types.items() if k != "row")
        t = ", ".join(f"{k}×{v}" for k, v in sorted(types.items(), key=lambda kv: (-kv[1], kv[0])))
        s = SOURCES.get(name)
        if s is None:
            bad += 1
            s = dict(repo="?", path="?", commit="?", blob=None, license="?", last="?", note="NO PROVENANCE")
        title = str(d.get("title", "")).replace("|", "/")
        rows.append(f"| {name} | {title} | {s['repo']} | `{s['path']}` | `{s['commit']}` | {s['license']} "
                    f"| {d.get('schemaVersion')} | {n_panels} (+{n_rows} rows) | {t} | {'; '.join(f)} |")
        if s.get("blob"):
            got = git_blob_id(data)
            ok = "verbatim (blob id matches)" if got == s["blob"] else f"MISMATCH: got {got}"
            bad += got != s["blob"]
            prov.append(f"| {name} | `{s['blob']}` | {ok} | `{s['last']}` | {s['note']} |")
        else:
            prov.append(f"| {name} | — (YAML-embedded) | extracted block scalar, sha256 "
                        f"`{hashlib.sha256(data).hexdigest()[:16]}…` | `{s['last']}` | {s['note']} |")
    missing = sorted(set(SOURCES) - {os.path.basename(x) for x in files})
    bad += len(missing)

    print("| file | title | repository | path | commit | license | schemaVersion | panels (excl. rows) | panel types (incl. rows) | features |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| file | git blob at commit | byte check | last commit touching the path | note |")
    print("|---|---|---|---|---|")
    print("\n".join(prov))
    print()
    print(f"{len(files)} dashboards; panel types across corpus: " +
          ", ".join(f"{k}×{v}" for k, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))))
    if missing:
        print("missing files: " + ", ".join(missing))
    if check and bad:
        print(f"{bad} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
