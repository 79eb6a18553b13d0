//! The load benchmark runs end to end at a small size, so the tool in the
//! repository keeps working (the full-size figures are in BENCHMARKS.md).

#[test]
fn the_load_tool_runs_every_scenario() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoithi-load"))
        .args([
            "--cadres",
            "200",
            "--savers",
            "40",
            "--viewers",
            "100",
            "--attempts",
            "4000",
        ])
        .output()
        .expect("run hoithi-load");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hoithi-load failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l["scenario"].as_str().unwrap())
        .collect();
    // On PostgreSQL (the test command's second pass) the floor under its
    // column comes after the bare axum endpoint.
    let postgres = std::env::var("HOITHI_TEST_POSTGRES").is_ok_and(|v| !v.is_empty());
    let bare_pg: &[&str] = if postgres { &["pg-write", "pg-read", "pg-typed"] } else { &[] };
    let expected: Vec<&str> = ["baseline"]
        .into_iter()
        .chain(bare_pg.iter().copied())
        .chain(["idle", "storm", "load", "round", "submit", "page", "barefan", "fanout", "rank", "ranked"])
        .collect();
    assert_eq!(names, expected, "{stdout}");
    let by = |name: &str| lines.iter().find(|l| l["scenario"] == name).unwrap();
    for l in &lines {
        assert_eq!(l["errors"], 0, "{l}");
        assert!(l["ok"].as_u64().unwrap() > 0, "{l}");
        assert!(
            l["p99_ms"].as_f64().unwrap() >= l["p50_ms"].as_f64().unwrap(),
            "{l}"
        );
    }
    // Every measured scenario prints what the server spent per operation
    // (figures only: nothing here is timed).
    for l in lines.iter().filter(|l| l["scenario"] != "page") {
        assert!(l["server_cpu_us_per_op"].is_number(), "{l}");
        assert!(l["cpu_unit"].is_string(), "{l}");
        assert!(l["server_rss_mib"].as_f64().unwrap() > 0.0, "{l}");
    }
    assert!(stdout.contains("srv µs/op"), "{stdout}");
    assert_eq!(by("storm")["ok"], 200, "every cadre started");
    assert_eq!(by("load")["ok"], 40, "every attempt loaded");
    assert_eq!(by("round")["ok"], 40 * 8, "every answer saved");
    assert_eq!(by("submit")["ok"], 40, "every attempt submitted");
    assert!(
        by("page")["bytes"].as_u64().unwrap() > 10_000,
        "the page, its script and its WebAssembly were measured: {}",
        by("page")
    );
    assert_eq!(by("barefan")["ok"], 100 * 20, "every bare screen saw every action");
    assert_eq!(by("fanout")["ok"], 100 * 20, "every screen saw every action");
    assert_eq!(by("ranked")["ok"], 399, "every contestant after the first got a cached result");
    for name in bare_pg {
        let l = by(name);
        assert_eq!(l["ok"], 1000, "every bare statement ran: {l}");
        assert!(l["db_cpu_us_per_op"].as_f64().unwrap() > 0.0, "PostgreSQL's CPU was read: {l}");
    }
}
