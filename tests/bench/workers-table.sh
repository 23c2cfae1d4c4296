# tests/bench/workers-table.sh - the table of workers.sh (sourced): workers_table TSV [md].
# Every figure is the median (min-max) over the reps; ratios are taken within a rep (same
# minute of this shared machine) before the median.
workers_table() {
	awk -F'\t' -v md="${2:-0}" '
	function med(t, m, scale, fmt,   n, i, j, v, x, k) {	# "median (min-max)" of m.r1..m.r99
		n = 0
		for (k = 1; k <= 99; k++)
			if ((t SUBSEP m ".r" k) in V && V[t, m ".r" k] != "-" && V[t, m ".r" k] != "")
				x[++n] = V[t, m ".r" k] * scale
		if (n == 0) return "-"
		for (i = 2; i <= n; i++) { v = x[i]; for (j = i - 1; j >= 1 && x[j] > v; j--) x[j + 1] = x[j]; x[j + 1] = v }
		if (n == 1) return sprintf(fmt, x[1])
		return sprintf(fmt " (" fmt "-" fmt ")", x[int((n + 1) / 2)], x[1], x[n])
	}
	function row(label) { R[++nr] = label; return nr }
	{ V[$1, $2] = $3 }
	$1 == "meta" && $2 == "targets" { nt = split($3, T, " ") }
	END {
		# per rep: answers per CPU-second, CPU per answer, ratios to NSD, to 1 worker, to unbound
		ref = ""
		for (i = 1; i <= nt; i++) if ((T[i] SUBSEP "workers") in V) {
			if (ref == "" || V[T[i], "workers"] == "1") ref = T[i]
			if (V[T[i], "workers"] == "1") break
		}
		for (i = 1; i <= nt; i++) for (k = 1; k <= 99; k++) {
			t = T[i]
			if (!((t SUBSEP "done.r" k) in V)) continue
			if (V[t, "cpu_s.r" k] > 0) {
				V[t, "apc.r" k] = V[t, "done.r" k] / V[t, "cpu_s.r" k]
				if (V[t, "done.r" k] > 0) V[t, "uspq.r" k] = 1e6 * V[t, "cpu_s.r" k] / V[t, "done.r" k]
			}
			if (V["auth", "qps.r" k] > 0) V[t, "rel.r" k] = V[t, "qps.r" k] / V["auth", "qps.r" k]
			if (ref != "" && (t SUBSEP "workers") in V && V[ref, "apc.r" k] > 0 && (t SUBSEP "apc.r" k) in V)
				V[t, "eff.r" k] = V[t, "apc.r" k] / V[ref, "apc.r" k]
			if (V["unbound", "sat_p99.r" k] > 0 && V[t, "sat_p99.r" k] > 0)
				V[t, "p99rel.r" k] = V[t, "sat_p99.r" k] / V["unbound", "sat_p99.r" k]
		}
		r_w = row("workers (config) / CPUs")
		r_qps = row("cached QPS (k)")
		r_rel = row("  QPS / nsd QPS of the same rep")
		r_apc = row("answers per CPU-second (k)")
		r_eff = row("  efficiency / " (ref == "" ? "1 worker" : ref) " (target >= 0.90)")
		r_us = row("CPU per cached answer (us)")
		r_s50 = row("saturated p50 (ms, dnsperf -v)")
		r_s99 = row("saturated p99 (ms, dnsperf -v)")
		r_rel99 = row("  p99 / unbound p99 of the same rep")
		r_sq = row("  QPS of the -v runs (k)")
		r_up = row("upstream queries during the runs")
		r_loops = row("questions per loop (% of all)")
		for (i = 1; i <= nt; i++) {
			t = T[i]; H[i] = (t == "auth") ? "nsd(auth)" : t
			for (k = 1; k <= nr; k++) C[k, i] = "-"
			if (((t SUBSEP "failed") in V)) { for (k = 1; k <= nr; k++) C[k, i] = "FAILED(start)"; continue }
			if ((t SUBSEP "workers") in V) C[r_w, i] = (V[t, "workers"] == "-" ? "(none)" : V[t, "workers"]) " / " V[t, "cpus"]
			C[r_qps, i] = med(t, "qps", 0.001, "%.1f")
			C[r_rel, i] = med(t, "rel", 1, "%.2f")
			C[r_apc, i] = med(t, "apc", 0.001, "%.1f")
			if ((t SUBSEP "workers") in V) C[r_eff, i] = med(t, "eff", 1, "%.2f")
			C[r_us, i] = med(t, "uspq", 1, "%.2f")
			C[r_s50, i] = med(t, "sat_p50", 1000, "%.2f")
			C[r_s99, i] = med(t, "sat_p99", 1000, "%.2f")
			C[r_rel99, i] = med(t, "p99rel", 1, "%.2f")
			C[r_sq, i] = med(t, "sat_qps", 0.001, "%.1f")
			up = 0; for (k = 1; k <= 99; k++) up += V[t, "upstream.r" k]
			if (t != "auth") C[r_up, i] = up ""
			if ((t SUBSEP "loops") in V) {
				nl = split(V[t, "loops"], lq, " "); sum = 0; s = ""
				for (k = 1; k <= nl; k++) sum += lq[k]
				for (k = 1; k <= nl; k++) s = s (k > 1 ? "/" : "") (sum > 0 ? sprintf("%.0f", 100 * lq[k] / sum) : "-")
				C[r_loops, i] = s
			}
		}
		w0 = 44; w = 12
		for (i = 1; i <= nt; i++) for (k = 1; k <= nr; k++) if (length(C[k, i]) + 2 > w) w = length(C[k, i]) + 2
		title = "workers: median (min-max) of " V["meta", "reps"] " reps x " V["meta", "duration"] " s, dnsperf " V["meta", "dnsperf"]
		if (md) {
			print "**" title "**"; print ""
			line = "| metric |"; sep = "|---|"
			for (i = 1; i <= nt; i++) { line = line " " H[i] " |"; sep = sep "---|" }
			print line; print sep
			for (k = 1; k <= nr; k++) { line = "| " R[k] " |"; for (i = 1; i <= nt; i++) line = line " " C[k, i] " |"; print line }
		} else {
			print title
			line = sprintf("%-" w0 "s", "metric"); for (i = 1; i <= nt; i++) line = line sprintf("%-" w "s", H[i]); print line
			for (k = 1; k <= nr; k++) { line = sprintf("%-" w0 "s", R[k]); for (i = 1; i <= nt; i++) line = line sprintf("%-" w "s", C[k, i]); print line }
		}
		print ""
		print (md ? "- " : "") "run " V["meta", "date"] ", " V["meta", "host"] ", load avg start " V["meta", "load_start"] ", end " V["meta", "load_end"]
	}' "$1"
}
