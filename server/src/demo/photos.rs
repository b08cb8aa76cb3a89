//! Photos for the demo community: soft two-colour gradients with a few
//! blurred light spots (like out-of-focus café lights), drawn here so no
//! image files ship with the server. They go through the same compression,
//! thumbnail and blurhash as a member's upload and are stored like one.

use bytes::Bytes;
use moa_protocol::{Media, MediaKind};

use crate::error::{Error, Result};
use crate::media::service;
use crate::media::store::{MediaStore, file_key, thumbnail_key};
use crate::util::now_ms;

/// Palettes: (top-left colour, bottom-right colour, light colour).
const PALETTES: &[([u8; 3], [u8; 3], [u8; 3])] = &[
    ([244, 180, 120], [120, 72, 52], [255, 236, 200]),
    ([120, 170, 210], [34, 60, 110], [220, 240, 255]),
    ([250, 210, 200], [200, 110, 130], [255, 245, 235]),
    ([150, 200, 150], [40, 90, 70], [240, 255, 220]),
    ([240, 225, 190], [150, 120, 80], [255, 250, 235]),
    ([200, 170, 230], [70, 50, 120], [250, 235, 255]),
];

/// Draws demo photo `n` (PNG bytes).
pub fn draw(n: usize, width: u32, height: u32) -> Result<Vec<u8>> {
    let (a, b, light) = PALETTES[n % PALETTES.len()];
    // A small deterministic generator for the light spots.
    let mut seed = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 10_000) as f32 / 10_000.0
    };
    let spots: Vec<(f32, f32, f32, f32)> = (0..7)
        .map(|_| {
            (
                next() * width as f32,
                next() * height as f32,
                40.0 + next() * 120.0,
                0.25 + next() * 0.45,
            )
        })
        .collect();
    let mut img = image::RgbImage::new(width, height);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let t = (x as f32 / width as f32 * 0.6 + y as f32 / height as f32 * 0.4).clamp(0.0, 1.0);
        let mut c = [0f32; 3];
        for i in 0..3 {
            c[i] = a[i] as f32 * (1.0 - t) + b[i] as f32 * t;
        }
        for (sx, sy, r, strength) in &spots {
            let d = ((x as f32 - sx).powi(2) + (y as f32 - sy).powi(2)).sqrt() / r;
            let glow = (1.0 - d * d).max(0.0) * strength;
            for i in 0..3 {
                c[i] = c[i] * (1.0 - glow) + light[i] as f32 * glow;
            }
        }
        *px = image::Rgb([c[0] as u8, c[1] as u8, c[2] as u8]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("demo photo: {e}")))?;
    Ok(out.into_inner())
}

/// Compresses and stores `count` demo photos, owned by every one of
/// `owners`; answers their media ids.
pub async fn store(
    db: &crate::Db,
    media_store: &MediaStore,
    owners: &[String],
    count: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let compressed = tokio::task::spawn_blocking(move || {
            let png = draw(n, 1200, 900)?;
            moa_media::compress(&png, &moa_media::CompressOptions::default(), &mut |_| {})
                .map_err(|e| Error::Internal(format!("demo photo: {e}")))
        })
        .await
        .map_err(|e| Error::Internal(format!("demo photo: {e}")))??;
        let id = moa_media::sha256_hex(&compressed.image.bytes);
        let media = Media {
            url: service::file_url(&id),
            thumbnail_url: Some(service::thumbnail_url(&id)),
            kind: MediaKind::Photo,
            content_type: "image/jpeg".into(),
            bytes: compressed.image.bytes.len() as u64,
            width: Some(compressed.image.width),
            height: Some(compressed.image.height),
            blurhash: Some(compressed.blurhash),
            created_at: now_ms(),
            id: id.clone(),
        };
        media_store
            .put(&thumbnail_key(&id), Bytes::from(compressed.thumbnail.bytes))
            .await?;
        media_store
            .put(&file_key(&id), Bytes::from(compressed.image.bytes))
            .await?;
        let mut tx = db.begin_write().await?;
        for owner in owners {
            service::insert_media(&mut tx, &media, owner).await?;
        }
        tx.commit().await?;
        ids.push(id);
    }
    Ok(ids)
}
