//! Test pictures made on the fly: quadrant images, JPEG/PNG/WebP encodings, EXIF segments with
//! GPS, PNG chunks with correct CRCs, and a JPEG marker walk for checking outputs.
#![allow(dead_code)]

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, RgbaImage};

pub const RED: [u8; 3] = [220, 30, 30];
pub const GREEN: [u8; 3] = [30, 200, 40];
pub const BLUE: [u8; 3] = [30, 40, 220];
pub const YELLOW: [u8; 3] = [240, 220, 20];

/// Upright picture: red top-left, green top-right, blue bottom-left, yellow bottom-right.
pub fn quadrants(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let c = match (x < width / 2, y < height / 2) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => YELLOW,
        };
        image::Rgb(c)
    })
}

/// Checks the quadrant colours of an upright RGB picture.
pub fn assert_quadrants(rgb: &[u8], width: u32, height: u32, what: &str) {
    let at = |x: u32, y: u32| {
        let i = ((y * width + x) * 3) as usize;
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    let (qx, qy) = (width / 4, height / 4);
    for (x, y, want, name) in [
        (qx, qy, RED, "top-left red"),
        (3 * qx, qy, GREEN, "top-right green"),
        (qx, 3 * qy, BLUE, "bottom-left blue"),
        (3 * qx, 3 * qy, YELLOW, "bottom-right yellow"),
    ] {
        assert_close(at(x, y), want, 40, &format!("{what}: {name} at ({x},{y})"));
    }
}

pub fn assert_close(got: [u8; 3], want: [u8; 3], tolerance: u8, what: &str) {
    let ok = got
        .iter()
        .zip(want)
        .all(|(g, w)| g.abs_diff(w) <= tolerance);
    assert!(ok, "{what}: got {got:?}, want {want:?}");
}

/// Pseudo-random noise (so JPEGs have plenty of entropy-coded data).
pub fn noise(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let base = ((x * 255 / width) as u8, (y * 255 / height) as u8);
        let n = (state & 0x3F) as u8;
        image::Rgb([base.0.wrapping_add(n), base.1, n.wrapping_mul(3)])
    })
}

/// The stored pixels that orientation `o` turns into `upright`.
pub fn stored_for(upright: &RgbImage, o: Orientation) -> RgbImage {
    let inverse = match o {
        Orientation::Rotate90 => Orientation::Rotate270,
        Orientation::Rotate270 => Orientation::Rotate90,
        other => other, // the flips, 180, transpose and transverse are their own inverses
    };
    let mut img = DynamicImage::ImageRgb8(upright.clone());
    img.apply_orientation(inverse);
    img.into_rgb8()
}

pub fn jpeg(img: &RgbImage, quality: i32) -> Vec<u8> {
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width: img.width() as usize,
        pitch: img.width() as usize * 3,
        height: img.height() as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, quality, turbojpeg::Subsamp::Sub2x2)
        .unwrap()
        .to_vec()
}

pub fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    let img = turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGB).unwrap();
    RgbImage::from_raw(img.width as u32, img.height as u32, img.pixels).unwrap()
}

pub fn png_rgb(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub fn png_rgba(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub const MAKE: &[u8] = b"MoaTestCamMake";
pub const MODEL: &[u8] = b"MoaModelX1";

/// GPS latitude 37/1 33/1 4321/100 as big-endian RATIONALs: must not survive compression.
pub fn gps_latitude() -> Vec<u8> {
    [37u32, 1, 33, 1, 4321, 100]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

fn gps_longitude() -> Vec<u8> {
    [126u32, 1, 58, 1, 1234, 100]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

/// A big-endian TIFF/EXIF structure: IFD0 with Make, Model, Orientation and a GPSInfo pointer
/// to a GPS IFD with latitude and longitude.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    fn entry(t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    }
    let make = [MAKE, b"\0"].concat();
    let model = [MODEL, b"\0"].concat();
    let ifd0_end = 8 + 2 + 4 * 12 + 4;
    let make_at = ifd0_end as u32;
    let model_at = make_at + make.len() as u32;
    let gps_at = (model_at + model.len() as u32 + 1) & !1;
    let lat_at = gps_at + 2 + 4 * 12 + 4;
    let lon_at = lat_at + 24;

    let mut t = b"MM\0\x2A".to_vec();
    t.extend_from_slice(&8u32.to_be_bytes());
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x010F, 2, make.len() as u32, make_at.to_be_bytes());
    entry(
        &mut t,
        0x0110,
        2,
        model.len() as u32,
        model_at.to_be_bytes(),
    );
    let o = orientation.to_be_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, 4, 1, gps_at.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&make);
    t.extend_from_slice(&model);
    t.resize(gps_at as usize, 0);
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, lat_at.to_be_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, lon_at.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), lat_at as usize);
    t.extend_from_slice(&gps_latitude());
    t.extend_from_slice(&gps_longitude());
    t
}

/// A JPEG segment `FF marker len payload`.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// Inserts segments right after SOI.
pub fn insert_after_soi(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for s in segments {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers before the first scan.
pub fn jpeg_markers(b: &[u8]) -> Vec<u8> {
    let mut pos = 2;
    let mut markers = Vec::new();
    while pos + 4 <= b.len() && b[pos] == 0xFF {
        let m = b[pos + 1];
        markers.push(m);
        if m == 0xDA {
            break;
        }
        pos += 2 + u16::from_be_bytes([b[pos + 2], b[pos + 3]]) as usize;
    }
    markers
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG chunk with its CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
    c
}

/// Inserts a chunk right after IHDR (signature 8 + IHDR 25 bytes).
pub fn png_insert_after_ihdr(png: &[u8], chunk: &[u8]) -> Vec<u8> {
    [&png[..33], chunk, &png[33..]].concat()
}

/// Rewrites IHDR's width and height (and its CRC).
pub fn png_with_size(png: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = png.to_vec();
    out[16..20].copy_from_slice(&width.to_be_bytes());
    out[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}
