//! `kioskhub demo`: seed a little activity on a fresh database (without firing relays: seeding
//! is not an open), set a master PIN, and print a pairing URL per kiosk.

use crate::app::AppState;
use crate::lockers::LockerState;
use crate::store::NewEvent;
use crate::time::now_ms;
use serde_json::json;

/// Demo cards, printed so they can be typed at a kiosk.
pub const DEMO_CARDS: [&str; 5] = [
    "04A1B2C3D4",
    "04B2C3D4E5",
    "04C3D4E5F6",
    "04D4E5F6A7",
    "04E5F6A7B8",
];
const SEEDED: &str = "demo_seeded";
const DEMO_PIN: &str = "demo_master_pin";

/// Seed once, then print what a visitor needs.
pub async fn prepare(state: &AppState, base: &str) -> anyhow::Result<()> {
    if state.store.meta(SEEDED).await?.is_none() {
        seed(state).await?;
        state.store.set_meta(SEEDED, "1").await?;
    }
    let pin = match state.store.meta(DEMO_PIN).await? {
        Some(pin) => pin,
        None => {
            let pin = std::env::var("KIOSKHUB_MASTER_PIN")
                .unwrap_or_else(|_| format!("{:06}", rand::random_range(0..1_000_000)));
            state
                .lockers
                .set_master_pin(&pin, &crate::lockers::Actor::System("demo"))
                .await?;
            state.store.set_meta(DEMO_PIN, &pin).await?;
            pin
        }
    };
    println!("  master PIN (demo): {pin}");
    println!("  kiosks — open a pairing URL in the kiosk's browser within 10 minutes:");
    for kiosk in &state.config.kiosks {
        let code = crate::http::kiosks::create_pairing_code(state, &kiosk.id, "demo")
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        println!("    {:<6} {:<24} {base}{}", kiosk.id, kiosk.name, code.url);
    }
    println!(
        "  demo cards: {} (the last one is a VIP card for men's locker 32)",
        DEMO_CARDS.join(", ")
    );
    println!("  API docs: {base}/api/docs");
    Ok(())
}

async fn seed(state: &AppState) -> anyhow::Result<()> {
    let now = now_ms();
    // (kiosk, locker, card index, minutes held)
    let owned = [("men", 3, 0, 35), ("men", 7, 1, 300), ("women", 2, 2, 80)];
    for (kiosk, number, card, minutes) in owned {
        let (uid, key) = state.lockers.card(DEMO_CARDS[card])?;
        let mut row = state.store.locker(kiosk, number).await?;
        row.state = LockerState::Owned;
        row.owner_key = Some(key.as_str().to_owned());
        row.owner_hint = Some(uid.hint());
        row.owned_at = Some(now - minutes * 60_000);
        write(state, &row, "locker_assigned", json!({"kiosk": kiosk, "locker": number, "old_state": "free", "new_state": "owned", "owner_hint": uid.hint(), "demo": true})).await?;
    }
    let mut blocked = state.store.locker("men", 12).await?;
    blocked.prev_state = Some(LockerState::Free);
    blocked.state = LockerState::Blocked;
    write(state, &blocked, "locker_blocked", json!({"kiosk": "men", "locker": 12, "old_state": "free", "new_state": "blocked", "reason": "broken hinge", "demo": true})).await?;
    let (_, vip_key) = state.lockers.card(DEMO_CARDS[4])?;
    let mut vip = state.store.locker("men", 32).await?;
    vip.vip_card_key = Some(vip_key.as_str().to_owned());
    vip.name = Some("VIP 32".into());
    write(
        state,
        &vip,
        "locker_vip_bound",
        json!({"kiosk": "men", "locker": 32, "demo": true}),
    )
    .await?;
    Ok(())
}

async fn write(
    state: &AppState,
    row: &crate::store::LockerRow,
    kind: &str,
    data: serde_json::Value,
) -> anyhow::Result<()> {
    let mut tx = state.store.begin().await?;
    tx.update_locker(row).await?;
    crate::events::append(
        &mut tx,
        &NewEvent {
            ts: now_ms(),
            site: &state.config.site.id,
            kind,
            kiosk_id: Some(&row.kiosk_id),
            locker: Some(row.number),
            actor: "system:demo",
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
