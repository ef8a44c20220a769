//! `POST/GET/PUT /v1/campaigns`: descriptors shared as links; edits need the owner token.

use crate::error::{ApiError, StorageError};
use ajar_core::campaign::Descriptor;
use ajar_core::privacy::coarse_hour;
use serde_json::{json, Value};
use worker::D1Database;

fn refused(e: ajar_core::campaign::CampaignError) -> ApiError {
    ApiError::BadCampaign(e.field(), e.to_string())
}

pub async fn create(db: &D1Database, body: &[u8], now_ms: u64) -> Result<Value, ApiError> {
    let d = Descriptor::from_json(body, now_ms).map_err(refused)?;
    insert(db, &d, now_ms).await
}

/// A campaign from an OONI Run v2 descriptor: its web inputs become the targets; the answer
/// lists (`unsupported`) every field the campaign does not keep.
pub async fn create_from_oonirun(db: &D1Database, body: &[u8], now_ms: u64) -> Result<Value, ApiError> {
    let imported = ajar_core::oonirun::import(body, now_ms).map_err(ApiError::BadOoniRun)?;
    let mut created = insert(db, &imported.descriptor, now_ms).await?;
    // Serialising plain data cannot fail.
    created["campaign"] = serde_json::to_value(&imported.descriptor).unwrap_or_default();
    created["unsupported"] = serde_json::to_value(&imported.unsupported).unwrap_or_default();
    Ok(created)
}

/// Campaign `id` as an OONI Run v2 descriptor, and what it cannot express.
pub async fn oonirun(db: &D1Database, id: &str, now_ms: u64) -> Result<(Value, Vec<String>), ApiError> {
    let (d, _) = load(db, id).await?;
    let out = ajar_core::oonirun::export(&d, now_ms);
    Ok((out.descriptor, out.not_expressed))
}

async fn insert(db: &D1Database, d: &Descriptor, now_ms: u64) -> Result<Value, ApiError> {
    let hour = coarse_hour(now_ms);
    let no_random = |e| ApiError::Storage(StorageError::NoRandom(e));
    let (id, token) = (crate::random::hex::<8>().map_err(no_random)?, crate::random::hex::<24>().map_err(no_random)?);
    db.prepare(
        "INSERT INTO campaigns (id, descriptor, owner_sha256, created_hour, updated_hour) VALUES (?1, ?2, ?3, ?4, ?4)",
    )
    .bind(&[
        id.as_str().into(),
        // Serialising plain data cannot fail.
        serde_json::to_string(d).unwrap_or_default().into(),
        sha256_hex(token.as_bytes()).into(),
        hour.as_str().into(),
    ])?
    .run()
    .await?;
    Ok(json!({"id": id, "owner_token": token, "link": format!("/?campaign={id}")}))
}

async fn load(db: &D1Database, id: &str) -> Result<(Descriptor, String), ApiError> {
    let row: Value = db
        .prepare("SELECT descriptor, owner_sha256 FROM campaigns WHERE id = ?1")
        .bind(&[id.into()])?
        .first(None)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The column is NOT NULL text; were it not, the empty text is refused as unreadable below.
    let d = serde_json::from_str(row["descriptor"].as_str().unwrap_or_default())
        .map_err(|e| ApiError::Storage(StorageError::Unreadable(e)))?;
    // No owner hash: no token matches the empty text (its SHA-256 is never empty).
    Ok((d, row["owner_sha256"].as_str().unwrap_or_default().to_string()))
}

/// The descriptor of campaign `id`.
pub async fn descriptor(db: &D1Database, id: &str) -> Result<Descriptor, ApiError> {
    Ok(load(db, id).await?.0)
}

pub async fn get(db: &D1Database, id: &str, now_ms: u64) -> Result<Value, ApiError> {
    let (d, _) = load(db, id).await?;
    let active = d.active(now_ms);
    // Serialising plain data cannot fail.
    let mut v = serde_json::to_value(&d).unwrap_or_default();
    v["id"] = id.into();
    v["active"] = active.into();
    Ok(v)
}

/// The inline target URLs of campaign `id` (empty for a campaign with a list URL).
pub async fn target_urls(db: &D1Database, id: &str) -> Result<Vec<String>, ApiError> {
    let (d, _) = load(db, id).await?;
    // Its own controls too: the app asks for their known images.
    // A campaign with a list URL has no inline targets.
    Ok(d.targets.unwrap_or_default().into_iter().map(|t| t.url).chain(d.controls).collect())
}

/// The campaign `id` if it takes reports now.
pub async fn accepting(db: &D1Database, id: &str, now_ms: u64) -> Result<Option<Descriptor>, ApiError> {
    match load(db, id).await {
        Ok((d, _)) => Ok(d.active(now_ms).then_some(d)),
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn update(db: &D1Database, id: &str, token: &str, body: &[u8], now_ms: u64) -> Result<Value, ApiError> {
    let hour = coarse_hour(now_ms);
    let (_, owner) = load(db, id).await?;
    if token.is_empty() || sha256_hex(token.as_bytes()) != owner {
        return Err(ApiError::Forbidden);
    }
    let d = Descriptor::parse(body).map_err(refused)?;
    db.prepare("UPDATE campaigns SET descriptor = ?2, updated_hour = ?3 WHERE id = ?1")
        // Serialising plain data cannot fail.
        .bind(&[id.into(), serde_json::to_string(&d).unwrap_or_default().into(), hour.as_str().into()])?
        .run()
        .await?;
    Ok(json!({"id": id, "updated": true}))
}

/// SHA-256 of `data`, as lowercase hex (what the campaigns table stores of an owner token).
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    ajar_core::privacy::hex(&sha2::Sha256::digest(data))
}
