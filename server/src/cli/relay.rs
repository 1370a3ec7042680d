//! `kioskhub relay …`: the technician's commissioning tools, and the simulator as a process.
//!
//! Each command opens the line for itself through [`kioskhub_relay::commission`] (so a port the
//! running service owns is refused with its owner named), prints what it found in plain words,
//! and on failure prints the problem and a `Next:` line saying what to try, then exits with 1.
//! Nothing here knows about lockers: channels and addresses are the board's own.

use crate::config::parse_duration;
use clap::{Args, Subcommand, ValueEnum};
use kioskhub_relay::commission::{
    self, CommissionError, ScanHit, ScanReply, WalkControl, WalkStep,
};
use kioskhub_relay::sim::{SimHandle, SimOptions};
use kioskhub_relay::{BoardKind, BoardSpec, Endpoint, PulseReceipt};
use std::io::{IsTerminal as _, Write as _};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum RelayAction {
    /// List the addresses that answer on a line; two boards on one address are flagged.
    Scan {
        #[command(flatten)]
        line: Line,
        /// Addresses to try, e.g. 1-16 or 5.
        #[arg(long, default_value = "1-16", value_parser = parse_range)]
        range: RangeInclusive<u8>,
    },
    /// Read the address of the only board on the line (Waveshare boards).
    GetAddress {
        #[command(flatten)]
        line: Line,
    },
    /// Give a board a new address and read it back. Without --current the write is broadcast,
    /// which is allowed only with exactly one board on the line.
    SetAddress {
        #[command(flatten)]
        line: Line,
        /// The address to give (1–247).
        #[arg(long)]
        new: u8,
        /// The board's present address; omit to broadcast to a lone board.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=247))]
        current: Option<u8>,
    },
    /// Pulse one channel and report whether the board confirmed it.
    Pulse {
        #[command(flatten)]
        line: Line,
        #[command(flatten)]
        board: Board,
        /// Channel, from 1.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        channel: u16,
        /// Pulse length in milliseconds (100–3000).
        #[arg(long, default_value_t = 500)]
        ms: u16,
    },
    /// Pulse every channel of a board in turn, waiting for Enter between channels.
    Walk {
        #[command(flatten)]
        line: Line,
        #[command(flatten)]
        board: Board,
        /// Channels to walk: 1 to this.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
        channels: u16,
        /// Pulse length in milliseconds (100–3000).
        #[arg(long, default_value_t = 500)]
        ms: u16,
        /// Do not prompt: walk unattended, pausing between channels.
        #[arg(long)]
        yes: bool,
        /// With --yes, the pause between channels (e.g. 1s, 500ms).
        #[arg(long, default_value = "1s", value_parser = parse_pause)]
        pause: Duration,
    },
    /// Read a board's discrete inputs (door sensors).
    Inputs {
        #[command(flatten)]
        line: Line,
        /// The board's address (1–247).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=247))]
        slave: u8,
        /// Inputs to read, from input 1.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=2000))]
        count: u16,
    },
    /// Serve simulated boards on a tty (one end of a pty pair) until Ctrl-C.
    Sim {
        /// The tty to serve, e.g. one end of `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`.
        #[arg(long)]
        tty: PathBuf,
        /// Board addresses, comma-separated; an address listed twice is two boards on one address.
        #[arg(long, value_delimiter = ',', required = true)]
        slaves: Vec<u8>,
        #[arg(long, value_enum, default_value = "waveshare16")]
        kind: Kind,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Model the wire time of the baud rate (a pty itself is instant).
        #[arg(long)]
        wire_time: bool,
        /// Door input n reads open once channel n has been energised.
        #[arg(long)]
        doors_follow_pulses: bool,
    },
}

/// The line a command talks to.
#[derive(Args)]
pub struct Line {
    /// Serial device (/dev/ttyUSB0, /dev/serial/by-id/…) or tcp://HOST:PORT of an RS-485 gateway.
    #[arg(long)]
    port: String,
    /// Serial speed; Waveshare boards ship at 9600.
    #[arg(long, default_value_t = 9600)]
    baud: u32,
}

impl Line {
    fn endpoint(&self) -> Endpoint {
        Endpoint::parse(&self.port, self.baud)
    }
}

/// The board a command pulses.
#[derive(Args)]
pub struct Board {
    /// The board's address (1–247).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=247))]
    slave: u8,
    /// How the board pulses: a timed pulse (waveshare16) or ON, wait, OFF (generic).
    #[arg(long, value_enum, default_value = "waveshare16")]
    kind: Kind,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Waveshare16,
    Generic,
}

impl From<Kind> for BoardKind {
    fn from(kind: Kind) -> BoardKind {
        match kind {
            Kind::Waveshare16 => BoardKind::Waveshare16,
            Kind::Generic => BoardKind::Generic,
        }
    }
}

fn parse_range(text: &str) -> Result<RangeInclusive<u8>, String> {
    let bad = || format!("{text:?} is not an address range like 1-16");
    let (from, to) = text.split_once('-').unwrap_or((text, text));
    let from: u8 = from.trim().parse().map_err(|_| bad())?;
    let to: u8 = to.trim().parse().map_err(|_| bad())?;
    if from == 0 || to > 247 || from > to {
        return Err(format!(
            "{text:?}: addresses run from 1 to 247, low to high"
        ));
    }
    Ok(from..=to)
}

fn parse_pause(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("{text:?} is not a duration like 1s or 500ms"))
}

/// Runs one `relay` command; a failure is printed with its `Next:` hint and exits with 1.
pub async fn run(action: RelayAction) -> ExitCode {
    execute(action)
        .await
        .unwrap_or_else(|e| fail(&e.problem, &e.hint))
}

async fn execute(action: RelayAction) -> Result<ExitCode, CommissionError> {
    match action {
        RelayAction::Scan { line, range } => scan(&line, range).await,
        RelayAction::GetAddress { line } => {
            let address = commission::get_address(&line.endpoint()).await?;
            println!("The board on {} has address {address}.", line.port);
            Ok(ExitCode::SUCCESS)
        }
        RelayAction::SetAddress { line, new, current } => set_address(&line, current, new).await,
        RelayAction::Pulse {
            line,
            board,
            channel,
            ms,
        } => {
            let receipt = commission::pulse(
                &line.endpoint(),
                board.slave,
                channel,
                ms,
                board.kind.into(),
            )
            .await?;
            println!(
                "Board {} channel {channel}: pulsed for {ms} ms, {}.",
                board.slave,
                confirmed(&receipt)
            );
            Ok(ExitCode::SUCCESS)
        }
        RelayAction::Walk {
            line,
            board,
            channels,
            ms,
            yes,
            pause,
        } => {
            let pace = if yes {
                Pace::Pause(pause)
            } else {
                Pace::Prompt
            };
            walk(&line, &board, channels, ms, pace).await
        }
        RelayAction::Inputs { line, slave, count } => {
            let inputs = commission::read_inputs(&line.endpoint(), slave, count).await?;
            print_inputs(slave, &inputs);
            Ok(ExitCode::SUCCESS)
        }
        RelayAction::Sim {
            tty,
            slaves,
            kind,
            baud,
            wire_time,
            doors_follow_pulses,
        } => {
            sim(
                tty,
                &slaves,
                kind.into(),
                baud,
                wire_time,
                doors_follow_pulses,
            )
            .await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints a failure the way every relay command does, and the exit code that goes with it.
fn fail(problem: &str, hint: &str) -> ExitCode {
    eprintln!("error: {problem}");
    eprintln!("Next: {hint}");
    ExitCode::FAILURE
}

fn confirmed(receipt: &PulseReceipt) -> String {
    let attempts = match receipt.attempts {
        1 => String::new(),
        n => format!(" after {n} attempts"),
    };
    format!(
        "confirmed in {:.1} ms{attempts}",
        receipt.latency.as_secs_f64() * 1000.0
    )
}

async fn scan(line: &Line, range: RangeInclusive<u8>) -> Result<ExitCode, CommissionError> {
    println!(
        "Scanning {} for addresses {}–{}…",
        line.endpoint().describe(),
        range.start(),
        range.end()
    );
    let hits = commission::scan(&line.endpoint(), range.clone()).await?;
    for hit in &hits {
        println!("  {:>3}  {}", hit.slave, describe_hit(hit));
    }
    println!(
        "{} address(es) answered in {}–{}.",
        hits.len(),
        range.start(),
        range.end()
    );
    let clashes: Vec<String> = hits
        .iter()
        .filter(|h| h.likely_clash())
        .map(|h| h.slave.to_string())
        .collect();
    if clashes.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    Ok(fail(
        &format!(
            "likely address clash at {}: more than one board answers there",
            clashes.join(", ")
        ),
        &format!(
            "disconnect all but one board at that address and move it with `kioskhub relay \
             set-address --port {} --current N --new M`, then reconnect the next one",
            line.port
        ),
    ))
}

fn describe_hit(hit: &ScanHit) -> String {
    match &hit.reply {
        ScanReply::Address(a) if *a == u16::from(hit.slave) => {
            "board answers (waveshare16: address register reads the same)".into()
        }
        ScanReply::Address(a) => {
            format!("board answers, but its address register reads {a}: power-cycle it")
        }
        ScanReply::Refused { code } => format!(
            "board answers and refuses the address register (exception {code:#04x}): a generic board"
        ),
        ScanReply::Garbled { detail } => {
            format!(
                "GARBLED replies, likely ADDRESS CLASH (two boards at {}): {detail}",
                hit.slave
            )
        }
        ScanReply::Unexpected { detail } => {
            format!("unexpected reply, another kind of device?: {detail}")
        }
    }
}

async fn set_address(
    line: &Line,
    current: Option<u8>,
    new: u8,
) -> Result<ExitCode, CommissionError> {
    commission::set_address(&line.endpoint(), current, new).await?;
    match current {
        None => println!(
            "The board on {} now has address {new} (read back).",
            line.port
        ),
        Some(old) => println!("Board {old} now has address {new} (read back)."),
    }
    Ok(ExitCode::SUCCESS)
}

/// How a walk moves from one channel to the next.
#[derive(Clone, Copy)]
enum Pace {
    /// Ask on standard input; Enter goes on, `q` or end of input stops.
    Prompt,
    Pause(Duration),
}

async fn walk(
    line: &Line,
    board: &Board,
    channels: u16,
    ms: u16,
    pace: Pace,
) -> Result<ExitCode, CommissionError> {
    println!(
        "Walking board {} channels 1–{channels} on {}, {ms} ms each.",
        board.slave,
        line.endpoint().describe()
    );
    let steps = commission::walk(
        &line.endpoint(),
        board.slave,
        board.kind.into(),
        1..=channels,
        ms,
        |step| {
            print_step(&step);
            let last = step.channel == channels;
            async move {
                match pace {
                    _ if last => WalkControl::Next,
                    Pace::Prompt => ask_next().await,
                    Pace::Pause(pause) => {
                        tokio::time::sleep(pause).await;
                        WalkControl::Next
                    }
                }
            }
        },
    )
    .await?;
    let failed: Vec<String> = steps
        .iter()
        .filter(|s| s.outcome.is_err())
        .map(|s| s.channel.to_string())
        .collect();
    let walked = steps.len();
    println!(
        "{walked} channel(s) pulsed, {} confirmed.",
        walked - failed.len()
    );
    if walked < usize::from(channels) {
        println!("Stopped before channel {}.", walked + 1);
    }
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    Ok(fail(
        &format!("channel(s) {} were not confirmed", failed.join(", ")),
        "see the line of each channel above; when only some channels fail, check those relays \
         and their wiring",
    ))
}

fn print_step(step: &WalkStep) {
    match &step.outcome {
        Ok(receipt) => println!("  channel {:>3}: {}", step.channel, confirmed(receipt)),
        Err(e) => println!(
            "  channel {:>3}: NOT confirmed: {e}. Next: {}",
            step.channel,
            commission::hint_for(e)
        ),
    }
}

async fn ask_next() -> WalkControl {
    print!("Press Enter for the next channel, q to stop: ");
    let _ = std::io::stdout().flush();
    let answer = tokio::task::spawn_blocking(|| {
        let mut text = String::new();
        std::io::stdin().read_line(&mut text).map(|n| (n, text))
    })
    .await;
    match answer {
        Ok(Ok((n, text))) if n > 0 && !text.trim().eq_ignore_ascii_case("q") => {
            if !std::io::stdin().is_terminal() {
                println!();
            }
            WalkControl::Next
        }
        _ => {
            println!();
            WalkControl::Stop
        }
    }
}

fn print_inputs(slave: u8, inputs: &[bool]) {
    println!("Board {slave}, inputs 1–{}:", inputs.len());
    for (i, on) in inputs.iter().enumerate() {
        println!("  input {:>3}: {}", i + 1, if *on { "on" } else { "off" });
    }
    let on: Vec<String> = (1..=inputs.len())
        .filter(|n| inputs[n - 1])
        .map(|n| n.to_string())
        .collect();
    match on.is_empty() {
        true => println!("No input is on."),
        false => println!("On: {}.", on.join(", ")),
    }
}

async fn sim(
    tty: PathBuf,
    slaves: &[u8],
    kind: BoardKind,
    baud: u32,
    wire_time: bool,
    doors_follow_pulses: bool,
) {
    let specs: Vec<BoardSpec> = slaves.iter().map(|s| BoardSpec::new(*s, kind)).collect();
    let options = SimOptions {
        wire_baud: wire_time.then_some(baud),
        processing: Duration::ZERO,
        doors_follow_pulses,
    };
    let handle = SimHandle::new(&specs, options);
    let list: Vec<String> = slaves.iter().map(u8::to_string).collect();
    println!(
        "Simulating {} {} board(s) at address(es) {} on {} ({baud} baud, {}). Ctrl-C stops.",
        slaves.len(),
        match kind {
            BoardKind::Waveshare16 => "waveshare16",
            BoardKind::Generic => "generic",
        },
        list.join(", "),
        tty.display(),
        if wire_time {
            "wire time modelled"
        } else {
            "instant replies"
        }
    );
    let _ = std::io::stdout().flush();
    tokio::select! {
        () = kioskhub_relay::sim::serve_tty_reopening(&tty, &handle) => {}
        () = super::wait_for_signal() => {}
    }
}
