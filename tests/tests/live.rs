//! The live final over real WebSockets against the real server: a host, 16
//! finalists, 3 judges and 200 viewers play a whole program with a server
//! crash in the middle; every screen ends on the same state, which is the
//! stored ranking.

use futures::{SinkExt, StreamExt};
use hoithi_tests::Server;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

type Reply = oneshot::Sender<Result<u64, String>>;

/// One screen: a task that keeps a WebSocket open (reconnecting with
/// backoff, as the browser client does) and keeps the latest view.
struct Screen {
    cmds: mpsc::UnboundedSender<(Value, Reply)>,
    view: watch::Receiver<Value>,
    /// Times this screen has (re)connected.
    connects: Arc<std::sync::atomic::AtomicUsize>,
}

impl Screen {
    fn open(port: u16, code: &str) -> Screen {
        // A browser's device id, kept across reconnects as its cookie is.
        let device = hoithi_tests::new_device();
        let code = code.to_string();
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<(Value, Reply)>();
        let (view_tx, view_rx) = watch::channel(Value::Null);
        let connects = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = connects.clone();
        tokio::spawn(async move {
            let mut next_id = 1u64;
            let mut backoff = 100u64;
            loop {
                let Ok(ws) = hoithi_tests::live_socket(port, &code, Some(&device), None).await else {
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                    backoff = (backoff * 2).min(2_000);
                    continue;
                };
                backoff = 100;
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (mut sink, mut stream) = ws.split();
                let mut pending: HashMap<u64, Reply> = HashMap::new();
                loop {
                    tokio::select! {
                        msg = stream.next() => {
                            let text = match msg {
                                Some(Ok(Message::Text(t))) => t,
                                Some(Ok(_)) => continue,
                                _ => break,
                            };
                            let v: Value = serde_json::from_str(&text).expect("server sends JSON");
                            match v["t"].as_str() {
                                Some("view") => { let _ = view_tx.send(v["view"].clone()); }
                                Some("ok") => { if let Some(r) = pending.remove(&v["id"].as_u64().unwrap()) { let _ = r.send(Ok(v["seq"].as_u64().unwrap())); } }
                                Some("err") => { if let Some(r) = pending.remove(&v["id"].as_u64().unwrap()) { let _ = r.send(Err(v["msg"].as_str().unwrap().to_string())); } }
                                _ => eprintln!("unexpected message: {v}"),
                            }
                        }
                        cmd = cmd_rx.recv() => {
                            let Some((cmd, reply)) = cmd else { return };
                            let id = next_id;
                            next_id += 1;
                            let msg = json!({"t": "cmd", "id": id, "cmd": cmd}).to_string();
                            if sink.send(Message::Text(msg.into())).await.is_err() {
                                let _ = reply.send(Err("disconnected".into()));
                                break;
                            }
                            pending.insert(id, reply);
                        }
                    }
                }
                for (_, r) in pending.drain() {
                    let _ = r.send(Err("disconnected".into()));
                }
            }
        });
        Screen {
            cmds: cmd_tx,
            view: view_rx,
            connects,
        }
    }

    async fn send(&self, cmd: Value) -> Result<u64, String> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send((cmd, tx)).expect("screen task alive");
        tokio::time::timeout(Duration::from_secs(20), rx)
            .await
            .expect("reply in time")
            .expect("reply")
    }

    /// Sends a command that must be accepted, and waits for this screen's
    /// view to show it.
    async fn ok(&self, cmd: Value) -> u64 {
        let what = cmd.to_string();
        let seq = self
            .send(cmd)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.seq() < seq {
            assert!(Instant::now() < deadline, "{what}: no new view");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seq
    }

    fn latest(&self) -> Value {
        self.view.borrow().clone()
    }

    fn seq(&self) -> u64 {
        self.view.borrow()["seq"].as_u64().unwrap_or(0)
    }
}

/// Waits until every screen shows at least `seq`.
async fn settle(screens: &[&Screen], seq: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let behind = screens.iter().filter(|s| s.seq() < seq).count();
        if behind == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{behind} screens never reached event {seq}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn board(v: &Value) -> Vec<(u64, String, u64)> {
    v["scoreboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["seat"].as_u64().unwrap(),
                format!("{:.2}", r["score"].as_f64().unwrap()),
                r["rank"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn correct(host: &Screen) -> usize {
    host.latest()["current"]["correct"][0]
        .as_u64()
        .expect("the host sees the key") as usize
}

fn answer(seat: u32, choice: usize) -> Value {
    json!({"Answer": {"seat": seat, "response": {"t": "Choices", "v": [choice]}}})
}

#[allow(clippy::too_many_arguments)]
fn segment(
    title: &str,
    kind: Value,
    timer: u32,
    right: f64,
    wrong: f64,
    bonus: f64,
    keys: &[String],
    prompts: &[&str],
) -> Value {
    json!({"title": title, "kind": kind, "timer_secs": timer, "points": {"right": right, "wrong": wrong, "speed_bonus": bonus},
           "keys": keys, "topic": null, "count": keys.len(), "prompts": prompts})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_whole_final_over_websockets_with_a_crash_in_the_middle() {
    let mut server = Server::start().await;
    let admin = server.admin().await;
    let organizer = server.user(&admin, "organizer", "0911000501").await;
    let cadre = server.user(&admin, "contestant", "0911000502").await;

    let finalists: Vec<String> = (1..=16)
        .map(|s| format!("{s}; Thí sinh {s:02}; Xã số {}", (s - 1) / 4 + 1))
        .collect();
    let k = hoithi_tests::single_choice_keys();
    assert!(k.len() >= 8, "the bank has single-choice questions");
    let segments = json!([
        segment(
            "Khởi động",
            json!("Everyone"),
            4,
            10.0,
            0.0,
            5.0,
            &k[0..2],
            &[]
        ),
        segment(
            "Tăng tốc",
            json!("Buzzer"),
            30,
            20.0,
            10.0,
            0.0,
            &k[2..3],
            &[]
        ),
        segment(
            "Rung chuông vàng",
            json!("Elimination"),
            30,
            10.0,
            0.0,
            0.0,
            &k[3..5],
            &[]
        ),
        segment(
            "Xử lý tình huống",
            json!({"Judged": {"max": 30, "drop_extremes": true}}),
            0,
            0.0,
            0.0,
            0.0,
            &[],
            &["Tình huống thử"]
        ),
        segment(
            "Về đích",
            json!({"Wager": {"penalty": 20.0}}),
            30,
            20.0,
            0.0,
            0.0,
            &k[5..6],
            &[]
        ),
        segment(
            "Câu hỏi phụ",
            json!("TieBreak"),
            30,
            0.0,
            0.0,
            0.0,
            &k[6..8],
            &[]
        ),
    ]);
    let body = json!({"name": "Chung kết Ứng Hòa", "contest_id": "", "finalists": finalists.join("\n"),
                      "judges": "Giám khảo A\nGiám khảo B\nGiám khảo C", "prizes": "Giải Nhất: 1\nGiải Nhì: 2\nGiải Ba: 3\nGiải Khuyến khích: 4",
                      "segments": segments});
    let (status, text) = cadre.call_json("create_final", &body).await;
    assert_eq!(status, 403, "a cadre cannot create a final: {text}");
    let (status, _) = server.client().call_json("create_final", &body).await;
    assert_eq!(status, 401, "nor can a visitor");
    let (status, text) = server
        .client()
        .call("live_entry", &[("code", "KHONGCO")])
        .await;
    assert_eq!(status, 404, "an unknown code: {text}");
    assert!(text.contains("Mã không đúng"));
    let mut bad = body.clone();
    bad["finalists"] = json!("1; A\n1; B");
    bad["segments"][1]["keys"] = json!(["khong-co-cau-nay"]);
    let (status, text) = organizer.call_json("create_final", &bad).await;
    assert_eq!(status, 422, "{text}");
    assert!(
        text.contains("ghế số 1 đã có thí sinh") && text.contains("khong-co-cau-nay"),
        "every problem named: {text}"
    );
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "create_final: {text}");
    let final_id: String = serde_json::from_str(&text).unwrap();
    let detail = organizer.json("final_detail", &[("id", &final_id)]).await;
    let (status, _) = cadre.call("final_detail", &[("id", &final_id)]).await;
    assert_eq!(status, 403, "codes are for organizers only");
    let codes: Vec<(String, String)> = detail["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(codes.len(), 1 + 16 + 3);
    let join = detail["join_code"].as_str().unwrap().to_string();

    // A wrong code opens nothing.
    let refused = tokio_tungstenite::connect_async(format!(
        "ws://127.0.0.1:{}/truc-tiep/ws/KHONGCO",
        server.port
    ))
    .await;
    assert!(
        refused.is_err(),
        "an unknown code is refused before the upgrade"
    );

    let started = Instant::now();
    let host = Screen::open(server.port, &codes[0].1);
    let seats: Vec<Screen> = codes[1..17]
        .iter()
        .map(|(_, c)| Screen::open(server.port, c))
        .collect();
    let judges: Vec<Screen> = codes[17..]
        .iter()
        .map(|(_, c)| Screen::open(server.port, c))
        .collect();
    let audience: Vec<Screen> = (0..200).map(|_| Screen::open(server.port, &join)).collect();
    let all: Vec<&Screen> = std::iter::once(&host)
        .chain(&seats)
        .chain(&judges)
        .chain(&audience)
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while all.iter().any(|s| s.latest().is_null()) {
        assert!(Instant::now() < deadline, "every screen gets its snapshot");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "220 screens connected with their snapshot in {:?}",
        started.elapsed()
    );
    let seat = |n: u32| &seats[n as usize - 1];

    // Only the host runs the show; the audience only watches.
    assert!(audience[0]
        .send(json!({"Open": {"segment": 0, "item": 0}}))
        .await
        .unwrap_err()
        .contains("chỉ để xem"));
    assert!(seat(3)
        .send(json!("Reveal"))
        .await
        .unwrap_err()
        .contains("không có quyền"));

    // Segment 1, question 1: everyone answers; seats 1–10 right.
    host.ok(json!({"Open": {"segment": 0, "item": 0}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    let wrong_choice = (key + 1) % 2;
    settle(&all, host.seq()).await;
    for s in audience.iter().take(5).chain(seats.iter().take(2)) {
        let v = s.latest();
        assert!(
            v["current"]["correct"].is_null()
                && v["current"]["answers"].is_null()
                && v["current"]["spread"].is_null(),
            "the key and others' answers stay hidden: {}",
            v["current"]
        );
    }
    assert!(
        seat(2)
            .send(answer(1, key))
            .await
            .unwrap_err()
            .contains("không có quyền"),
        "a pad answers for its own seat only"
    );
    let sends =
        (1..=16u32).map(|n| seat(n).send(answer(n, if n <= 10 { key } else { wrong_choice })));
    for r in futures::future::join_all(sends).await {
        r.expect("answer in time");
    }
    // After the window closes, a changed answer is refused.
    tokio::time::sleep(Duration::from_millis(4_300)).await;
    assert!(
        seat(11)
            .send(answer(11, key))
            .await
            .unwrap_err()
            .contains("hết thời gian"),
        "late answer refused"
    );
    let reveal = Instant::now();
    host.ok(json!("Reveal")).await;
    settle(&all, host.seq()).await;
    println!("reveal reached all 220 screens in {:?}", reveal.elapsed());
    let v = audience[17].latest();
    assert_eq!(
        v["current"]["spread"][key].as_u64(),
        Some(10),
        "the spread after the reveal: {}",
        v["current"]
    );
    assert!(seat(1).latest()["scoreboard"][0]["score"].as_f64().unwrap() >= 10.0);

    // Question 2, revealed early by the host: seats 1–4 right.
    host.ok(json!({"Open": {"segment": 0, "item": 1}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    for n in 1..=4u32 {
        seat(n).ok(answer(n, key)).await;
    }
    host.ok(json!("Reveal")).await;

    // Segment 2, buzzer: three press at once; whoever was first is judged
    // wrong and the turn passes to the second, who is right.
    host.ok(json!({"Open": {"segment": 1, "item": 0}})).await;
    host.ok(json!("StartTimer")).await;
    let presses = [5u32, 6, 7].map(|n| seat(n).send(json!({"Buzz": {"seat": n}})));
    let mut last_buzz = 0;
    for r in futures::future::join_all(presses).await {
        last_buzz = last_buzz.max(r.expect("buzz accepted"));
    }
    assert!(
        seat(5).send(json!({"Buzz": {"seat": 5}})).await.is_err(),
        "one buzz each"
    );
    // The host's screen shows the seats' buzzes once it reaches their events.
    settle(&[&host], last_buzz).await;
    let order: Vec<u64> = host.latest()["current"]["buzzes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect();
    assert_eq!(order.len(), 3);
    host.ok(json!({"JudgeBuzz": {"correct": false}})).await;
    host.ok(json!({"JudgeBuzz": {"correct": true}})).await;
    settle(&[&host], host.seq()).await;
    let (first, second) = (order[0] as u32, order[1] as u32);

    // Segment 3, elimination: seats 13–16 wrong and out; seat 16 rescued.
    host.ok(json!({"Open": {"segment": 2, "item": 0}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    let sends =
        (1..=16u32).map(|n| seat(n).send(answer(n, if n <= 12 { key } else { (key + 1) % 2 })));
    futures::future::join_all(sends).await;
    host.ok(json!("Reveal")).await;
    host.ok(json!({"Rescue": {"seat": 16}})).await;
    // An award by mistake, taken back.
    host.ok(json!({"Award": {"seat": 9, "points": 50.0, "reason": "Nhầm"}}))
        .await;
    host.ok(json!("Undo")).await;
    settle(&all, host.seq()).await;
    let before_crash = host.seq();
    let board_before = board(&host.latest());

    // The server dies mid-show; every screen comes back to the same state.
    let connects_before: usize = all
        .iter()
        .map(|s| s.connects.load(std::sync::atomic::Ordering::SeqCst))
        .sum();
    let crash = Instant::now();
    server.restart().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    while all
        .iter()
        .map(|s| s.connects.load(std::sync::atomic::Ordering::SeqCst))
        .sum::<usize>()
        < connects_before + all.len()
    {
        assert!(
            Instant::now() < deadline,
            "screens reconnect after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    settle(&all, before_crash).await;
    println!(
        "restart: all 220 screens back on event {before_crash} in {:?}",
        crash.elapsed()
    );
    assert_eq!(
        board(&host.latest()),
        board_before,
        "the rebuilt state is the one before the crash"
    );
    assert_eq!(board(&audience[199].latest()), board_before);

    // Elimination question 2 after the restart: seat 16 (rescued) answers.
    host.ok(json!({"Open": {"segment": 2, "item": 1}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    assert!(
        seat(14)
            .send(answer(14, key))
            .await
            .unwrap_err()
            .contains("bị loại"),
        "out until rescued"
    );
    seat(16).ok(answer(16, key)).await;
    for n in 1..=12u32 {
        seat(n).ok(answer(n, key)).await;
    }
    host.ok(json!("Reveal")).await;

    // Segment 4, judged: every judge scores every finalist; judge C late on seat 1.
    host.ok(json!({"Open": {"segment": 3, "item": 0}})).await;
    let mut last_score = 0;
    for (j, judge) in judges.iter().enumerate() {
        for n in 1..=16u32 {
            if j == 2 && n == 1 {
                continue;
            }
            last_score = judge
                .ok(json!({"Score": {"seat": n, "score": 10.0 + f64::from(n % 5) + j as f64}}))
                .await;
        }
    }
    settle(&[&host], last_score).await;
    let row1 = host.latest()["current"]["judging"][0].clone();
    assert!(
        row1["total"].is_null(),
        "no total until every judge scored: {row1}"
    );
    assert!(judges[0]
        .send(json!({"Score": {"seat": 1, "score": 31.0}}))
        .await
        .unwrap_err()
        .contains("Điểm phải từ 0 đến 30"));
    let last_score = judges[2]
        .ok(json!({"Score": {"seat": 1, "score": 30.0}}))
        .await;
    settle(&[&host], last_score).await;
    assert_eq!(
        host.latest()["current"]["judging"][0]["total"].as_f64(),
        Some(12.0),
        "trimmed mean of 11, 12, 30"
    );

    // Segment 5, wager: seat 1 stakes and is right, seat 2 stakes and is wrong.
    host.ok(json!({"Open": {"segment": 4, "item": 0}})).await;
    seat(1).ok(json!({"Stake": {"seat": 1}})).await;
    seat(2).ok(json!({"Stake": {"seat": 2}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    seat(1).ok(answer(1, key)).await;
    seat(2).ok(answer(2, (key + 1) % 2)).await;
    host.ok(json!("Reveal")).await;
    settle(&all, host.seq()).await;

    // Force a tie for the top prize, then break it by sudden death.
    let top = board(&host.latest());
    let (a, b) = (top[0].0 as u32, top[1].0 as u32);
    let gap: f64 = top[0].1.parse::<f64>().unwrap() - top[1].1.parse::<f64>().unwrap();
    if gap > 0.0 {
        host.ok(json!({"Award": {"seat": b, "points": gap, "reason": "Ban giám khảo phúc khảo"}}))
            .await;
    }
    let d = organizer.json("final_detail", &[("id", &final_id)]).await;
    let ties: Vec<u32> = d["ties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(
        ties,
        {
            let mut t = vec![a, b];
            t.sort();
            t
        },
        "a tie for Nhất is flagged"
    );
    host.ok(json!({"StartTieBreak": {"seats": ties}})).await;
    host.ok(json!({"Open": {"segment": 5, "item": 0}})).await;
    host.ok(json!("StartTimer")).await;
    let key = correct(&host);
    assert!(
        seat(9).send(answer(9, key)).await.is_err() || ties.contains(&9),
        "only the tied answer"
    );
    seat(b).ok(answer(b, key)).await;
    seat(a).ok(answer(a, (key + 1) % 2)).await;
    host.ok(json!("Reveal")).await;
    let last = host.seq();
    settle(&all, last).await;

    // Every screen ends on the same standings, which are the stored ones.
    let final_board = board(&host.latest());
    for s in &all {
        assert_eq!(board(&s.latest()), final_board, "every screen agrees");
    }
    assert_eq!(
        final_board[0].0 as u32, b,
        "the sudden-death winner is first"
    );
    let d = organizer.json("final_detail", &[("id", &final_id)]).await;
    let stored: Vec<(u64, String, u64)> = d["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["seat"].as_u64().unwrap(),
                format!("{:.2}", r["score"].as_f64().unwrap()),
                r["rank"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stored, final_board,
        "the stored ranking is what the screens show"
    );
    assert_eq!(d["standings"][0]["prize"], "Giải Nhất");
    assert_eq!(d["standings"][1]["prize"], "Giải Nhì");
    assert!(d["ties"].as_array().unwrap().is_empty());
    let log = d["log"].as_array().unwrap();
    assert_eq!(log.len() as u64, last);
    assert!(
        log.iter()
            .any(|l| l["voided"] == true && l["text"].as_str().unwrap().contains("Nhầm")),
        "the undone award stays in the log, voided"
    );
    assert!(log
        .iter()
        .any(|l| l["text"].as_str().unwrap().contains("bấm chuông")));
    println!(
        "buzz order {order:?}: ghế {first} sai, ghế {second} đúng; {last} events in {:?}",
        started.elapsed()
    );

    // The ranking as a spreadsheet.
    let r = organizer
        .get(&format!("/ban-to-chuc/chung-ket/xuat?id={final_id}"))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let rows = hoithi_core::formats::xlsx::read_rows(&bytes).unwrap();
    assert_eq!(
        rows[0][..6],
        ["Hạng", "Ghế", "Họ và tên", "Đơn vị", "Điểm", "Giải"].map(String::from)
    );
    assert_eq!(rows[1][1], b.to_string());
    assert_eq!(rows[1][5], "Giải Nhất");
    assert_eq!(rows.len(), 17);
    assert_eq!(
        cadre
            .get(&format!("/ban-to-chuc/chung-ket/xuat?id={final_id}"))
            .await
            .status(),
        403
    );

    // The public scoreboard renders on the server, without JavaScript.
    let html = server
        .client()
        .get(&format!("/truc-tiep/{join}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bảng điểm") && html.contains("Thí sinh 01"),
        "server-rendered scoreboard"
    );
    let qr = server.client().get(&format!("/truc-tiep/qr/{join}")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
}

/// Two instances on one database, as behind a load balancer with no sticky
/// sessions: the host on one, the finalists and the audience on the other.
/// On PostgreSQL events cross by NOTIFY; on SQLite (one machine) by polling.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_final_across_two_instances() {
    let a = Server::start().await;
    let b = a.another_instance().await;
    let admin = a.admin().await;
    let organizer = a.user(&admin, "organizer", "0911000801").await;
    // The session made on A is good on B: nothing is kept per instance.
    let on_b = hoithi_tests::Client {
        base: b.base.clone(),
        http: organizer.http.clone(),
    };
    let k = hoithi_tests::single_choice_keys();
    let body = json!({"name": "Chung kết hai máy chủ", "contest_id": "", "finalists": "1; An\n2; Bình\n3; Cường\n4; Dung",
                      "judges": "Giám khảo", "prizes": "Giải Nhất: 1",
                      "segments": [segment("Khởi động", json!("Everyone"), 60, 10.0, 0.0, 0.0, &k[0..1], &[])]});
    let (status, text) = organizer.call_json("create_final", &body).await;
    assert_eq!(status, 200, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let d = on_b.json("final_detail", &[("id", &id)]).await;
    let code = |i: usize| d["codes"][i]["code"].as_str().unwrap().to_string();
    let join = d["join_code"].as_str().unwrap().to_string();

    let host = Screen::open(a.port, &code(0));
    let seats: Vec<Screen> = (1..=4).map(|i| Screen::open(b.port, &code(i))).collect();
    let viewers: Vec<Screen> = (0..20).map(|_| Screen::open(b.port, &join)).collect();
    let on_b_screens: Vec<&Screen> = seats.iter().chain(&viewers).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while host.latest().is_null() || on_b_screens.iter().any(|s| s.latest().is_null()) {
        assert!(Instant::now() < deadline, "every screen gets its snapshot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let started = Instant::now();
    host.ok(json!({"Open": {"segment": 0, "item": 0}})).await;
    host.ok(json!("StartTimer")).await;
    settle(&on_b_screens, host.seq()).await;
    println!("host on A → 24 screens on B: {:?}", started.elapsed());
    let key = correct(&host);
    for n in 1..=4u32 {
        seats[n as usize - 1]
            .ok(answer(n, if n <= 2 { key } else { (key + 1) % 2 }))
            .await;
    }
    // The host on A sees the answers given on B.
    let deadline = Instant::now() + Duration::from_secs(20);
    while host.latest()["current"]["answered"]
        .as_array()
        .map(|a| a.len())
        != Some(4)
    {
        assert!(
            Instant::now() < deadline,
            "answers on B reach the host on A: {}",
            host.latest()["current"]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    host.ok(json!("Reveal")).await;
    settle(&on_b_screens, host.seq()).await;
    let expected = board(&host.latest());
    assert_eq!(expected[0].1, "10.00");
    for s in &on_b_screens {
        assert_eq!(board(&s.latest()), expected, "screens on B show A's reveal");
    }
    assert_eq!(
        viewers[0].latest()["current"]["spread"][key].as_u64(),
        Some(2)
    );
    let stored = on_b.json("final_detail", &[("id", &id)]).await;
    assert_eq!(stored["standings"][0]["score"].as_f64(), Some(10.0));
}
