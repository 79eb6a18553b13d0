//! Faults: the server is killed with SIGKILL while cadres are saving
//! answers; after a restart every acknowledged answer is stored and every
//! attempt resumes. (A kill in the middle of a final is in `live.rs`.)

use futures::StreamExt;
use hoithi_tests::{as_cadre, seed_cadres, setup_round, Server};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CADRES: usize = 1500;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_answers_survive_a_kill() {
    // Cadres come through a proxy naming their office address (this test
    // file runs alone in its process, so the variable touches nothing else).
    std::env::set_var("HOITHI_TRUST_PROXY", "true");
    let mut server = Server::start().await;
    let admin = server.admin().await;
    let organizer = server.user(&admin, "organizer", "0911001001").await;
    let round = setup_round(&organizer, "60", "1").await;
    let db = hoithi_core::store::Db::connect(&server.database_url())
        .await
        .unwrap();
    let tokens = seed_cadres(&db, CADRES).await;
    drop(db);
    let http = reqwest::Client::new();
    let base = server.base.clone();

    // Every cadre starts an attempt.
    let starts: Vec<(usize, String)> = futures::stream::iter(0..CADRES)
        .map(|i| {
            let req = as_cadre(&http, &base, "start_attempt", &tokens[i], i)
                .form(&[("round_id", round.as_str())]);
            async move {
                let r = req.send().await.expect("start");
                assert!(r.status().is_success(), "start {i}: {}", r.status());
                (i, r.json::<String>().await.unwrap())
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let attempts: HashMap<usize, String> = starts.into_iter().collect();
    println!("{CADRES} attempts in progress");

    // Everyone saves answers as fast as the server acknowledges; the server
    // dies in the middle. Only acknowledged saves are remembered.
    let acked: Arc<Mutex<HashMap<(usize, i64), Value>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..CADRES {
        let (http, base, token, attempt, acked, stop) = (
            http.clone(),
            base.clone(),
            tokens[i].clone(),
            attempts[&i].clone(),
            acked.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // The kill can cut off a cadre's first load too: the phone
            // loads again, as it would on a dropped connection.
            let play: Value = loop {
                let r = as_cadre(&http, &base, "get_attempt", &token, i)
                    .form(&[("id", attempt.as_str())])
                    .send()
                    .await;
                if let Ok(r) = r {
                    if r.status().is_success() {
                        if let Ok(v) = r.json::<Value>().await {
                            break v;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let has_options: Vec<bool> = play["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|it| !it["options"].as_array().unwrap().is_empty())
                .collect();
            let mut k = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && k < 8 {
                // Two answers in turn across cadres, so a mix-up would show.
                let n = (i as i64 + k) % 2;
                let (field, value, stored) = if has_options[k as usize] {
                    (
                        "choices[0]",
                        n.to_string(),
                        json!({"t": "Choices", "v": [n]}),
                    )
                } else {
                    (
                        "text",
                        (n + 1).to_string(),
                        json!({"t": "Text", "v": (n + 1).to_string()}),
                    )
                };
                let r = as_cadre(&http, &base, "save_answer", &token, i)
                    .form(&[
                        ("attempt_id", attempt.as_str()),
                        ("position", k.to_string().as_str()),
                        (field, value.as_str()),
                    ])
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        acked.lock().unwrap().insert((i, k), stored);
                        k += 1;
                    }
                    // Refused or cut off: not acknowledged, try again later.
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    // Let the saves run, then kill.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < CADRES * 3 {
        assert!(Instant::now() < deadline, "saves are acknowledged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before_kill = acked.lock().unwrap().len();
    server.restart().await;
    println!("killed after {before_kill} acknowledged saves; restarted");
    // The cadres carry on against the restarted server until all 8 are saved.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < CADRES * 8 {
        assert!(
            Instant::now() < deadline,
            "saves resume after the restart: {}",
            acked.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }

    // Every acknowledged answer is stored, and every attempt is still open.
    let acked = acked.lock().unwrap().clone();
    let checks = futures::stream::iter(0..CADRES)
        .map(|i| {
            let req = as_cadre(&http, &server.base, "get_attempt", &tokens[i], i)
                .form(&[("id", attempts[&i].as_str())]);
            async move { (i, req.send().await.unwrap().json::<Value>().await.unwrap()) }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await;
    let mut verified = 0;
    for (i, play) in checks {
        assert!(
            play["remaining_ms"].as_i64().unwrap() > 0,
            "attempt {i} resumes"
        );
        for item in play["items"].as_array().unwrap() {
            let k = item["position"].as_i64().unwrap();
            let want = &acked[&(i, k)];
            assert_eq!(
                item["answer"], *want,
                "cadre {i} question {k}: the acknowledged answer is stored"
            );
            verified += 1;
        }
    }
    assert_eq!(verified, CADRES * 8);
    println!("{verified} acknowledged answers verified after the kill");
}
