//! The command line: `serve`, `demo`, `user`, `kiosk pair`, `config check` and the `relay`
//! commissioning tools.

mod memory;
mod relay;

use crate::app::{self, StartOptions};
use crate::auth::{Role, password};
use crate::config::{Config, ConfigIssue, LogFormat};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "kioskhub",
    version,
    about = "Lockers, kiosks and the staff panel of a facility's self-service side"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve with a configuration file.
    Serve {
        #[arg(long, env = "KIOSKHUB_CONFIG")]
        config: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Serve a demo: two kiosks on simulated boards, demo data, printed credentials.
    Demo {
        #[command(flatten)]
        place: Place,
    },
    /// Manage staff accounts.
    User {
        #[command(flatten)]
        target: Target,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Kiosk devices.
    Kiosk {
        #[command(flatten)]
        target: Target,
        #[command(subcommand)]
        action: KioskAction,
    },
    /// Configuration files.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Relay boards on a line: scan, addressing, pulse, walk, inputs, and a simulator.
    Relay {
        #[command(subcommand)]
        action: relay::RelayAction,
    },
}

#[derive(Args)]
struct Place {
    /// Data folder (database, backups, uploads); default ./data.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Address to listen on; default 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

/// Which installation a maintenance command acts on.
#[derive(Args)]
struct Target {
    /// Configuration file (default: DATA/kioskhub.toml when it exists).
    #[arg(long, global = true, env = "KIOSKHUB_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder; default ./data.
    #[arg(long, global = true)]
    data: Option<PathBuf>,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long, value_enum, default_value = "staff")]
        role: Role,
    },
    /// Set an account's password (read from standard input); signs it out everywhere.
    Passwd { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum KioskAction {
    /// Print a one-time pairing code for a kiosk (valid 10 minutes).
    Pair { kiosk: String },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate a configuration file and explain every problem with its line.
    Check { file: PathBuf },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    memory::reexec_with_fixed_mmap_threshold();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the Tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { config, place } => {
            let cfg = load(&config)?;
            serve(cfg, place, false).await
        }
        Command::Demo { place } => {
            let data = place
                .data
                .clone()
                .unwrap_or_else(|| PathBuf::from("./data"));
            std::fs::create_dir_all(&data)
                .with_context(|| format!("creating {}", data.display()))?;
            let file = data.join("kioskhub.toml");
            if !file.exists() {
                std::fs::write(&file, crate::config::DEMO_CONFIG)
                    .with_context(|| format!("writing {}", file.display()))?;
            }
            let mut cfg = load(&file)?;
            cfg.server.data_dir = data;
            serve(cfg, place, true).await
        }
        Command::User { target, action } => user(target, action).await,
        Command::Relay { action } => Ok(relay::run(action).await),
        Command::Kiosk {
            target,
            action: KioskAction::Pair { kiosk },
        } => {
            let state = open_target(&target).await?;
            let code = crate::http::kiosks::create_pairing_code(&state, &kiosk, "cli")
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            println!("Pairing code for kiosk {kiosk}: {}", code.code);
            println!(
                "Valid until {}. On the kiosk, open http://HUB{}",
                code.expires_at, code.url
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            action: ConfigAction::Check { file },
        } => match Config::load(&file) {
            Ok(cfg) => {
                let lockers: u32 = cfg.kiosks.iter().map(|k| k.lockers).sum();
                println!(
                    "{}: OK — {} bus(es), {} board(s), {} kiosk(s), {} lockers",
                    file.display(),
                    cfg.buses.len(),
                    cfg.boards.len(),
                    cfg.kiosks.len(),
                    lockers
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(issues) => {
                print_issues(&file, &issues);
                Ok(ExitCode::from(2))
            }
        },
    }
}

fn print_issues(file: &Path, issues: &[ConfigIssue]) {
    eprintln!("{}: {} problem(s)", file.display(), issues.len());
    for issue in issues {
        eprintln!("  {issue}");
    }
}

fn load(file: &Path) -> anyhow::Result<Config> {
    Config::load(file).map_err(|issues| {
        print_issues(file, &issues);
        anyhow::anyhow!(
            "the configuration has errors; `kioskhub config check {}` explains them",
            file.display()
        )
    })
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSKHUB_LOG")
        .unwrap_or_else(|_| "info,tower_http=warn,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

async fn serve(mut cfg: Config, place: Place, demo: bool) -> anyhow::Result<ExitCode> {
    // Every WebSocket is a file descriptor: take the hard limit rather than the usual 1,024.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("warning: could not raise the open-file limit: {e}");
    }
    cfg.apply_env(|k| std::env::var(k).ok())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(data) = place.data {
        cfg.server.data_dir = data;
    }
    if let Some(listen) = place.listen {
        cfg.server.listen = listen;
    }
    cfg.resolve_data_dir().with_context(|| {
        format!(
            "preparing the data folder {}",
            cfg.server.data_dir.display()
        )
    })?;
    init_tracing(cfg.server.log_format);
    tracing::debug!(config = ?cfg.server, "configuration");
    let listener = tokio::net::TcpListener::bind(cfg.server.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    let state = app::start(cfg, StartOptions::default()).await?;
    let env_password = std::env::var("KIOSKHUB_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let created = app::ensure_admin(&state.store, env_password.clone(), demo).await?;
    let base = format!("http://{addr}");
    println!("Kioskhub {} serving at {base}", env!("CARGO_PKG_VERSION"));
    println!("  data folder: {}", state.config.server.data_dir.display());
    match (&created, &env_password) {
        (Some(pw), None) => println!("  admin password (shown once): admin / {pw}"),
        (_, Some(_)) => println!("  admin password: from KIOSKHUB_ADMIN_PASSWORD"),
        (None, None) => println!(
            "  admin: password as printed at first launch (reset with `kioskhub user passwd admin`)"
        ),
    }
    if demo {
        crate::demo::prepare(&state, &base).await?;
    }
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        trigger.cancel();
    });
    app::serve(listener, state.clone(), shutdown).await?;
    state.store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Open the installation a maintenance command names, without serving and without opening its
/// relay buses (a running hub owns them).
async fn open_target(target: &Target) -> anyhow::Result<app::AppState> {
    let data = target
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from("./data"));
    let file = target
        .config
        .clone()
        .or_else(|| Some(data.join("kioskhub.toml")).filter(|f| f.exists()));
    let mut cfg = match file {
        Some(f) => load(&f)?,
        None => Config::parse("", Path::new("."))
            .map_err(|_| anyhow::anyhow!("empty configuration is invalid"))?,
    };
    if target.data.is_some() || target.config.is_none() {
        cfg.server.data_dir = data;
    }
    cfg.apply_env(|k| std::env::var(k).ok())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    cfg.resolve_data_dir()?;
    let opts = StartOptions {
        without_buses: true,
        ..StartOptions::default()
    };
    app::start(cfg, opts).await
}

fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let pw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if pw.chars().count() < password::MIN_PASSWORD_LEN || pw.len() > password::MAX_PASSWORD_LEN {
        bail!(
            "a password needs {} to {} characters",
            password::MIN_PASSWORD_LEN,
            password::MAX_PASSWORD_LEN
        );
    }
    Ok(pw)
}

async fn user(target: Target, action: UserAction) -> anyhow::Result<ExitCode> {
    let state = open_target(&target).await?;
    match action {
        UserAction::Add { username, role } => {
            if username.is_empty()
                || username.len() > 64
                || !username
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                bail!("a username is 1–64 letters, digits, '.', '_' or '-'");
            }
            if state.store.user_by_name(&username).await?.is_some() {
                bail!("user {username:?} already exists");
            }
            let pw = read_password()?;
            app::create_user(&state.store, &username, role, &pw).await?;
            println!("Created {username} ({}).", role.as_str());
        }
        UserAction::Passwd { username } => {
            let user = state
                .store
                .user_by_name(&username)
                .await?
                .with_context(|| format!("no user {username:?}"))?;
            let pw = read_password()?;
            let hash = password::hash(pw).await;
            let mut tx = state.store.begin().await?;
            tx.set_password_hash(&user.id, &hash, crate::time::now_ms())
                .await?;
            tx.delete_user_sessions(&user.id).await?;
            tx.commit().await?;
            println!("Password of {username} changed; its sessions were signed out.");
        }
        UserAction::List => {
            for u in state.store.users().await? {
                println!(
                    "{:<24} {:<8} {}",
                    u.username,
                    u.role,
                    if u.active { "active" } else { "inactive" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
