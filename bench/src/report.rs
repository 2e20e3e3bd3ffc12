//! The one table: every figure and ratio of issue 6, the goals, and whether
//! each is met.
//!
//! [`Results`] gathers what the steps measured (and is written to
//! `results.json`); [`render`] turns it into a Markdown table that reads the
//! same in a terminal and in `RESULTS.md`. A figure that could not be
//! measured says so in its row, and its goal is marked `n/a`, never met.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::anchors::VerifyOutcome;
use crate::lambda::Footprint;
use crate::local_api::LoadFigures;

/// Goal of item 1: a fresh-token decision within this multiple of the bare check.
pub const FRESH_OVER_BARE_GOAL: f64 = 1.2;
/// Goal of item 2: fresh tokens at least this many times aws-jwt-verify's rate.
pub const OVER_AWS_JWT_VERIFY_GOAL: f64 = 2.0;
/// Goal of item 2: fresh tokens at least this many times PyJWT's rate.
pub const OVER_PYJWT_GOAL: f64 = 8.0;
/// Our reading of "far beyond both" for repeat tokens: at least this many times each.
pub const REPEAT_FAR_BEYOND: f64 = 10.0;
/// Goal of item 3: a repeat decision under this many microseconds.
pub const REPEAT_GOAL_US: f64 = 2.0;
/// Goal of item 4: authorizer init under this many milliseconds.
pub const INIT_GOAL_MS: f64 = 20.0;
/// Goal of item 4: authorizer peak RSS under this many MiB.
pub const RSS_GOAL_MIB: f64 = 20.0;

/// The criterion medians of item 1, in nanoseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DecisionFigures {
    /// `decision/fresh_token`.
    pub fresh: Option<f64>,
    /// `decision/repeat_token`.
    pub repeat: Option<f64>,
    /// `decision/repeat_token_small_event`.
    pub repeat_small_event: Option<f64>,
    /// `decision/refused_expired`.
    pub refused_expired: Option<f64>,
    /// `decision/refused_bad_alg`.
    pub refused_bad_alg: Option<f64>,
    /// `verify/parse_and_check`.
    pub parse_and_check: Option<f64>,
    /// `extract/request_event`.
    pub extract_request: Option<f64>,
    /// `extract/token_event`.
    pub extract_token: Option<f64>,
    /// `rs256/bare_parsed_key`.
    pub bare_parsed: Option<f64>,
    /// `rs256/bare_key_from_components`.
    pub bare_components: Option<f64>,
    /// `decision/fresh_token_paired`: all its decisions, ns in total.
    #[serde(default)]
    pub paired_decisions_ns: Option<f64>,
    /// `decision/fresh_token_paired`: the bare checks timed beside them, ns in total.
    #[serde(default)]
    pub paired_bare_ns: Option<f64>,
}

impl DecisionFigures {
    /// Reads the medians criterion wrote under `home` (its `CRITERION_HOME`).
    pub fn read(home: &Path) -> Self {
        let median = |id: &str| -> Option<f64> {
            let path = home.join(id).join("new").join("estimates.json");
            let text = std::fs::read_to_string(path).ok()?;
            let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
            estimates["median"]["point_estimate"].as_f64()
        };
        let paired: serde_json::Value = std::fs::read_to_string(home.join("paired.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Self {
            fresh: median("decision/fresh_token"),
            repeat: median("decision/repeat_token"),
            repeat_small_event: median("decision/repeat_token_small_event"),
            refused_expired: median("decision/refused_expired"),
            refused_bad_alg: median("decision/refused_bad_alg"),
            parse_and_check: median("verify/parse_and_check"),
            extract_request: median("extract/request_event"),
            extract_token: median("extract/token_event"),
            bare_parsed: median("rs256/bare_parsed_key"),
            bare_components: median("rs256/bare_key_from_components"),
            paired_decisions_ns: paired["decision_ns"].as_f64(),
            paired_bare_ns: paired["bare_ns"].as_f64(),
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Results {
    /// When, where and under what load the run happened.
    pub machine: Vec<String>,
    /// Item 1.
    pub decision: DecisionFigures,
    /// `openssl speed rsa2048`: one RSA-2048 verify, µs (the reference floor).
    pub openssl_verify_us: Option<f64>,
    /// Item 2, studio-gate first.
    pub verifiers: Vec<VerifyOutcome>,
    /// Item 4.
    pub footprints: Vec<Footprint>,
    /// Item 5.
    pub load: Vec<LoadFigures>,
    /// Steps that failed or were skipped, and why.
    pub notes: Vec<String>,
    /// Seconds the measuring took (not the build).
    pub seconds: f64,
}

struct Row {
    item: &'static str,
    what: String,
    figure: String,
    goal: String,
    met: Option<bool>,
}

fn row(item: &'static str, what: impl Into<String>, figure: impl Into<String>) -> Row {
    Row { item, what: what.into(), figure: figure.into(), goal: String::new(), met: None }
}

impl Row {
    fn goal(mut self, goal: impl Into<String>, met: Option<bool>) -> Self {
        self.goal = goal.into();
        self.met = met;
        self
    }
}

fn us(ns: Option<f64>) -> String {
    ns.map_or_else(|| "not measured".to_owned(), |ns| format!("{:.2} µs", ns / 1e3))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn times(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}×"))
}

fn rate(per_second: f64, count: usize) -> String {
    if per_second <= 0.0 || count == 0 {
        return "not measured".to_owned();
    }
    format!("{} tokens/s ({:.1} µs/token)", thousands(per_second), 1e6 / per_second)
}

/// 12345.6 as `12,346`.
fn thousands(value: f64) -> String {
    let whole = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "",
    }
}

/// The table of `results`, with the machine lines above it and notes below.
pub fn render(results: &Results) -> String {
    let rows = rows(results);
    let mut out = String::new();
    for line in &results.machine {
        let _ = writeln!(out, "{line}  ");
    }
    out.push('\n');
    out.push_str("| item | measure | figure | goal | met |\n|---|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.item,
            row.what,
            row.figure,
            row.goal,
            verdict(row.met)
        );
    }
    if !results.notes.is_empty() {
        out.push('\n');
        for note in &results.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    let _ =
        writeln!(out, "\nmeasuring took {:.0} s (build and installs not counted)", results.seconds);
    out
}

fn rows(results: &Results) -> Vec<Row> {
    let mut rows = Vec::new();
    rows.push(row(
        "1",
        "`openssl speed rsa2048`, one verify alone (no hashing)",
        results
            .openssl_verify_us
            .map_or_else(|| "not measured".to_owned(), |v| format!("{v:.2} µs")),
    ));
    decision_rows(&results.decision, &mut rows);
    anchor_rows(&results.verifiers, &mut rows);
    footprint_rows(&results.footprints, &mut rows);
    load_rows(&results.load, &mut rows);
    rows
}

fn decision_rows(d: &DecisionFigures, rows: &mut Vec<Row>) {
    let over_bare = ratio(d.fresh, d.bare_parsed);
    let paired = ratio(d.paired_decisions_ns, d.paired_bare_ns);
    rows.push(row(
        "1",
        "bare RS256: SHA-256 + RSA-2048 verify, key parsed once (aws-lc-rs)",
        us(d.bare_parsed),
    ));
    rows.push(row(
        "1",
        "bare RS256, key built from n, e per call (as jsonwebtoken does)",
        us(d.bare_components),
    ));
    rows.push(row(
        "1",
        "parse + verify + claims only (`verify::parse`, `Verifier::check`), fresh",
        us(d.parse_and_check),
    ));
    rows.push(row(
        "1",
        "reading the REQUEST event and its bearer token (`extract`)",
        us(d.extract_request),
    ));
    rows.push(row(
        "1",
        "reading a TOKEN event and its bearer token (`extract`)",
        us(d.extract_token),
    ));
    rows.push(row("1", "decision, fresh token, REQUEST event, key cached", us(d.fresh)));
    rows.push(row(
        "1",
        "fresh decision / bare RS256, separate benchmarks (medians)",
        times(over_bare),
    ));
    rows.push(
        row(
            "1",
            "fresh decision / bare RS256, each token's bare check timed just before its decision",
            times(paired),
        )
        .goal(format!("≤ {FRESH_OVER_BARE_GOAL}×"), paired.map(|r| r <= FRESH_OVER_BARE_GOAL)),
    );
    rows.push(
        row("1, 3", "decision, same token again, REQUEST event", us(d.repeat))
            .goal(format!("< {REPEAT_GOAL_US} µs"), d.repeat.map(|ns| ns / 1e3 < REPEAT_GOAL_US)),
    );
    rows.push(row("1, 3", "decision, same token again, TOKEN event", us(d.repeat_small_event)));
    rows.push(row("1", "refused: expired token (good signature)", us(d.refused_expired)));
    rows.push(row("1", "refused: `alg` HS256", us(d.refused_bad_alg)));
}

fn anchor_rows(verifiers: &[VerifyOutcome], rows: &mut Vec<Row>) {
    let find = |name: &str| verifiers.iter().find(|v| v.verifier == name);
    let ours = find("studio-gate");
    for v in verifiers {
        let label = format!("{} {}", v.verifier, v.version);
        let checked = if v.all_accepted() {
            String::new()
        } else {
            format!(" — only {}/{} accepted", v.accepted_fresh.min(v.accepted_repeat), v.tokens)
        };
        rows.push(row(
            "2",
            format!("{label}, fresh tokens"),
            rate(v.fresh_per_second(), v.tokens) + &checked,
        ));
        rows.push(row(
            "2",
            format!("{label}, repeat tokens"),
            rate(v.repeat_per_second(), v.tokens),
        ));
        if v.floor_seconds > 0.0 {
            rows.push(row(
                "2",
                format!("{}: bare RS256 in its runtime ({})", v.verifier, v.floor),
                format!(
                    "{:.2} µs; the library takes {:.2}× that on fresh tokens",
                    v.floor_seconds * 1e6,
                    v.fresh_seconds / v.tokens.max(1) as f64 / v.floor_seconds
                ),
            ));
        }
        rows.push(row(
            "2",
            format!("{}: whole process, JWKS fetches", v.verifier),
            format!(
                "{:.2} s, ready after {:.0} ms, {} fetch(es)",
                v.wall_seconds,
                v.ready_seconds * 1e3,
                v.jwks_fetches
            ),
        ));
    }
    for (name, fresh_goal) in
        [("aws-jwt-verify", OVER_AWS_JWT_VERIFY_GOAL), ("PyJWT", OVER_PYJWT_GOAL)]
    {
        let anchor = find(name);
        let over = |f: fn(&VerifyOutcome) -> f64| match (ours, anchor) {
            (Some(ours), Some(anchor)) if f(anchor) > 0.0 && ours.all_accepted() => {
                Some(f(ours) / f(anchor))
            }
            _ => None,
        };
        let fresh = over(VerifyOutcome::fresh_per_second);
        let repeat = over(VerifyOutcome::repeat_per_second);
        rows.push(
            row("2", format!("studio-gate / {name}, fresh tokens"), times(fresh))
                .goal(format!("≥ {fresh_goal}×"), fresh.map(|r| r >= fresh_goal)),
        );
        rows.push(row("2, 3", format!("studio-gate / {name}, repeat tokens"), times(repeat)).goal(
            format!("far beyond (≥ {REPEAT_FAR_BEYOND}×)"),
            repeat.map(|r| r >= REPEAT_FAR_BEYOND),
        ));
    }
}

fn footprint_rows(footprints: &[Footprint], rows: &mut Vec<Row>) {
    for f in footprints {
        let authorizer = f.function == "authorizer";
        let init_all: Vec<String> = f.init_all_ms.iter().map(|ms| format!("{ms:.1}")).collect();
        let init = row(
            "4",
            format!(
                "{}: init, process start → first /next (median of {})",
                f.function,
                f.init_all_ms.len()
            ),
            format!("{:.1} ms ({})", f.init_ms, init_all.join(", ")),
        );
        rows.push(if authorizer {
            init.goal(format!("< {INIT_GOAL_MS} ms"), Some(f.init_ms < INIT_GOAL_MS))
        } else {
            init
        });
        let first = if authorizer {
            "first decision (JWKS fetched during init)"
        } else {
            "first answer (DescribeUserProfile + CreatePresignedDomainUrl, first connection)"
        };
        rows.push(row(
            "4",
            format!("{}: {first}", f.function),
            format!("{:.2} ms", f.first_decision_ms),
        ));
        let mib = f.peak_rss_kib as f64 / 1024.0;
        let rss = row(
            "4",
            format!("{}: peak RSS (VmHWM) over {} invocations", f.function, f.invocations + 1),
            format!(
                "{mib:.1} MiB ({}/{} expected answers, {:.0} invocations/s)",
                f.expected_answers,
                f.invocations,
                f.invocations as f64 / f.invocations_seconds.max(1e-9)
            ),
        );
        rows.push(if authorizer {
            rss.goal(format!("< {RSS_GOAL_MIB} MiB"), Some(mib < RSS_GOAL_MIB))
        } else {
            rss
        });
        rows.push(row(
            "4",
            format!("{}: stripped binary", f.function),
            format!("{:.1} MiB", f.stripped_bytes as f64 / (1024.0 * 1024.0)),
        ));
    }
}

fn load_rows(load: &[LoadFigures], rows: &mut Vec<Row>) {
    for l in load {
        rows.push(row(
            "5",
            format!(
                "local API, {} tokens, gateway authorizer cache {}, server on {} core(s), {} connections",
                l.tokens,
                if l.gateway_cache_ttl == 0 { "off".to_owned() } else { format!("{} s", l.gateway_cache_ttl) },
                l.cores,
                l.connections
            ),
            format!(
                "{} req/s, p50 {:.2} ms, p99 {:.2} ms ({} requests, {} not 200)",
                thousands(l.requests_per_second),
                l.p50_ms,
                l.p99_ms,
                l.requests,
                l.not_ok
            ),
        ));
    }
}
