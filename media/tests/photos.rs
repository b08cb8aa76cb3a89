//! The photo pipeline end to end on pictures generated here: orientation, metadata stripping,
//! alpha, WebP, sizes, thumbnails, blurhash, image bombs, truncation, unsupported types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use image::metadata::Orientation;
use image::{ImageDecoder, RgbaImage};
use moa_media::{
    CompressOptions, Dimensions, Error, Format, OutputFormat, Stage, compress, image_dimensions,
    inspect_photo, sniff,
};

fn run(input: &[u8], opts: &CompressOptions) -> moa_media::Compressed {
    compress(input, opts, &mut |_| {}).unwrap()
}

fn assert_clean_jpeg(bytes: &[u8], what: &str) {
    // Only the JFIF APP0 and the coding segments: no APP1 (EXIF/XMP), APP2 (ICC), APP13, COM.
    for m in jpeg_markers(bytes) {
        assert!(
            !matches!(m, 0xE1..=0xEF | 0xFE),
            "{what}: metadata marker {m:#04x} in the output"
        );
    }
    assert!(!contains(bytes, b"Exif"), "{what}: Exif in the output");
    assert!(!contains(bytes, MAKE), "{what}: camera make in the output");
    assert!(
        !contains(bytes, MODEL),
        "{what}: camera model in the output"
    );
    assert!(
        !contains(bytes, &gps_latitude()),
        "{what}: GPS latitude in the output"
    );
}

#[test]
fn every_exif_orientation_comes_out_upright_and_stripped() {
    let upright = quadrants(192, 128);
    for exif in 1..=8u16 {
        let o = Orientation::from_exif(exif as u8).unwrap();
        let stored = stored_for(&upright, o);
        let app1 = segment(0xE1, &[b"Exif\0\0".as_slice(), &exif_tiff(exif)].concat());
        let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01not really a profile");
        let xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>");
        let input = insert_after_soi(&jpeg(&stored, 95), &[app1, icc, xmp]);

        let info = inspect_photo(&input, 50_000_000, 320).unwrap();
        assert!(info.has_metadata, "orientation {exif}");
        assert_eq!(
            (info.width, info.height),
            (192, 128),
            "orientation {exif}: upright size"
        );
        let thumb = decode_jpeg(&info.thumbnail.bytes);
        assert_quadrants(
            thumb.as_raw(),
            thumb.width(),
            thumb.height(),
            "inspect thumbnail",
        );

        // Full size (no resize), downscaled from a full decode (96: 1/2 would leave less than
        // 2x), and from a 1/2 scaled decode (48).
        for max_edge in [2048, 96, 48] {
            let what = format!("orientation {exif}, max_edge {max_edge}");
            let out = run(
                &input,
                &CompressOptions {
                    max_edge,
                    ..Default::default()
                },
            );
            let want = match max_edge {
                48 => (48, 32),
                96 => (96, 64),
                _ => (192, 128),
            };
            assert_eq!((out.image.width, out.image.height), want, "{what}");
            let decoded = decode_jpeg(&out.image.bytes);
            assert_eq!(decoded.dimensions(), want, "{what}");
            assert_quadrants(decoded.as_raw(), want.0, want.1, &what);
            assert_clean_jpeg(&out.image.bytes, &what);
            assert_clean_jpeg(&out.thumbnail.bytes, &format!("{what} thumbnail"));

            // The RGB path (JPEG to WebP) turns it upright too.
            let webp = run(
                &input,
                &CompressOptions {
                    max_edge,
                    output: OutputFormat::Webp,
                    ..Default::default()
                },
            );
            let decoded = image::load_from_memory(&webp.image.bytes)
                .unwrap()
                .into_rgb8();
            assert_eq!(decoded.dimensions(), want, "{what} webp");
            assert_quadrants(decoded.as_raw(), want.0, want.1, &format!("{what} webp"));
            assert!(!contains(&webp.image.bytes, MAKE) && !contains(&webp.image.bytes, b"Exif"));

            let again = inspect_photo(&out.image.bytes, 50_000_000, 320).unwrap();
            assert!(!again.has_metadata, "{what}");
            assert_eq!((again.width, again.height), want, "{what}");
        }
    }
}

#[test]
fn png_alpha_becomes_white_in_jpeg_and_stays_in_webp() {
    // Left half fully transparent (black underneath), right half opaque red.
    let img = RgbaImage::from_fn(40, 30, |x, _| {
        if x < 20 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([220, 30, 30, 255])
        }
    });
    let input = png_rgba(&img);
    assert_eq!(sniff(&input), Some(Format::Png));

    let out = run(&input, &CompressOptions::default());
    assert_eq!(out.image.format, Format::Jpeg);
    let decoded = decode_jpeg(&out.image.bytes);
    assert_eq!(decoded.dimensions(), (40, 30));
    assert_close(
        decoded.get_pixel(5, 15).0,
        [255, 255, 255],
        8,
        "transparent -> white",
    );
    assert_close(
        decoded.get_pixel(35, 15).0,
        [220, 30, 30],
        30,
        "opaque red stays",
    );
    let thumb = decode_jpeg(&out.thumbnail.bytes);
    assert_close(
        thumb.get_pixel(5, 15).0,
        [255, 255, 255],
        8,
        "thumbnail: white",
    );

    let webp = run(
        &input,
        &CompressOptions {
            output: OutputFormat::Webp,
            ..Default::default()
        },
    );
    assert_eq!(webp.image.format, Format::Webp);
    assert_eq!(sniff(&webp.image.bytes), Some(Format::Webp));
    let decoded = image::load_from_memory(&webp.image.bytes)
        .unwrap()
        .into_rgba8();
    assert_eq!(decoded.dimensions(), (40, 30));
    assert_eq!(decoded.get_pixel(5, 15).0[3], 0, "alpha kept in WebP");
    assert_eq!(decoded.get_pixel(35, 15).0[3], 255);
    assert_eq!(webp.thumbnail.format, Format::Jpeg);
}

#[test]
fn webp_input() {
    let upright = quadrants(120, 80);
    let lossy = webp::Encoder::from_rgb(upright.as_raw(), 120, 80).encode_simple(false, 90.0);
    let input = lossy.unwrap().to_vec();
    assert_eq!(
        image_dimensions(&input).unwrap(),
        (
            Format::Webp,
            Dimensions {
                width: 120,
                height: 80
            }
        )
    );
    let out = run(
        &input,
        &CompressOptions {
            max_edge: 60,
            ..Default::default()
        },
    );
    assert_eq!((out.image.width, out.image.height), (60, 40));
    let decoded = decode_jpeg(&out.image.bytes);
    assert_quadrants(decoded.as_raw(), 60, 40, "webp input");
    let info = inspect_photo(&input, 50_000_000, 320).unwrap();
    assert_eq!(
        (info.format, info.width, info.height),
        (Format::Webp, 120, 80)
    );
    assert!(!info.has_metadata);

    // Lossless WebP with alpha, through `image`'s encoder: decodes, WebP output keeps alpha.
    let rgba = RgbaImage::from_fn(32, 16, |x, _| {
        image::Rgba([10, 200, 10, if x < 16 { 0 } else { 255 }])
    });
    let mut lossless = Vec::new();
    image::DynamicImage::ImageRgba8(rgba)
        .write_to(
            &mut std::io::Cursor::new(&mut lossless),
            image::ImageFormat::WebP,
        )
        .unwrap();
    let out = run(&lossless, &CompressOptions::default());
    let decoded = decode_jpeg(&out.image.bytes);
    assert_close(
        decoded.get_pixel(4, 8).0,
        [255, 255, 255],
        8,
        "webp alpha -> white",
    );
}

#[test]
fn png_exif_orientation_is_applied() {
    let upright = quadrants(64, 48);
    let stored = stored_for(&upright, Orientation::Rotate90);
    let png = png_rgb(&stored);
    let with_exif = png_insert_after_ihdr(&png, &png_chunk(b"eXIf", &exif_tiff(6)));
    let info = inspect_photo(&with_exif, 50_000_000, 320).unwrap();
    assert!(info.has_metadata);
    assert_eq!((info.width, info.height), (64, 48));
    let out = run(&with_exif, &CompressOptions::default());
    assert_eq!((out.image.width, out.image.height), (64, 48));
    let decoded = decode_jpeg(&out.image.bytes);
    assert_quadrants(decoded.as_raw(), 64, 48, "png eXIf 6");
    assert_clean_jpeg(&out.image.bytes, "png eXIf 6");
    let text = png_insert_after_ihdr(&png, &png_chunk(b"tEXt", b"Comment\0hello"));
    assert!(inspect_photo(&text, 50_000_000, 320).unwrap().has_metadata);
    assert!(!inspect_photo(&png, 50_000_000, 320).unwrap().has_metadata);
}

#[test]
fn small_images_are_never_enlarged() {
    let input = jpeg(&noise(100, 80, 1), 90);
    let out = run(&input, &CompressOptions::default());
    assert_eq!((out.image.width, out.image.height), (100, 80));
    assert_eq!((out.thumbnail.width, out.thumbnail.height), (100, 80));
    assert_eq!(decode_jpeg(&out.thumbnail.bytes).dimensions(), (100, 80));
    let info = inspect_photo(&input, 50_000_000, 320).unwrap();
    assert_eq!((info.thumbnail.width, info.thumbnail.height), (100, 80));
}

#[test]
fn max_edge_and_thumbnail_edge_landscape_and_portrait() {
    for (w, h, want, thumb) in [
        (1200, 800, (512, 341), (320, 213)),
        (800, 1200, (341, 512), (213, 320)),
    ] {
        let input = jpeg(&noise(w, h, 7), 90);
        let out = run(
            &input,
            &CompressOptions {
                max_edge: 512,
                ..Default::default()
            },
        );
        assert_eq!((out.image.width, out.image.height), want);
        assert_eq!(decode_jpeg(&out.image.bytes).dimensions(), want);
        assert_eq!((out.thumbnail.width, out.thumbnail.height), thumb);
        assert_eq!(decode_jpeg(&out.thumbnail.bytes).dimensions(), thumb);
        let info = inspect_photo(&input, 50_000_000, 320).unwrap();
        assert_eq!((info.width, info.height), (w, h));
        assert_eq!((info.thumbnail.width, info.thumbnail.height), thumb);

        let png = png_rgb(&noise(w, h, 8));
        let out = run(
            &png,
            &CompressOptions {
                max_edge: 300,
                thumb_edge: 100,
                ..Default::default()
            },
        );
        assert_eq!(out.image.width.max(out.image.height), 300);
        assert_eq!(out.thumbnail.width.max(out.thumbnail.height), 100);
    }
}

#[test]
fn blurhash_is_valid() {
    const BASE83: &str =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    let input = jpeg(&quadrants(200, 100), 90);
    let out = run(&input, &CompressOptions::default());
    let hash = &out.blurhash;
    // 1 size flag + 1 max AC + 4 DC + 2 per AC component (4x3 - 1).
    assert_eq!(hash.len(), 28, "{hash}");
    assert!(hash.chars().all(|c| BASE83.contains(c)), "{hash}");
    assert!(
        hash.starts_with('L'),
        "4x3 components: size flag (4-1) + (3-1)*9 = 21 = 'L': {hash}"
    );
    let pixels = blurhash::decode(hash, 32, 16, 1.0).unwrap();
    // The decoded blur keeps the picture's gist: reddish top-left, yellowish bottom-right.
    let at = |x: usize, y: usize| &pixels[(y * 32 + x) * 4..(y * 32 + x) * 4 + 3];
    assert!(
        at(2, 2)[0] > at(2, 2)[2],
        "top-left is red, not blue: {:?}",
        at(2, 2)
    );
    assert!(
        at(29, 13)[1] > at(2, 13)[1],
        "bottom-right greener (yellow) than bottom-left (blue)"
    );

    let portrait = run(&jpeg(&quadrants(100, 200), 90), &CompressOptions::default());
    assert!(
        portrait.blurhash.starts_with('T'),
        "3x4 components: 2 + 3*9 = 29 = 'T'"
    );
    let info = inspect_photo(&input, 50_000_000, 320).unwrap();
    assert_eq!(info.blurhash.len(), 28);
}

#[test]
fn progress_reports_every_stage_in_order() {
    let mut stages = Vec::new();
    compress(
        &jpeg(&noise(64, 64, 3), 90),
        &CompressOptions::default(),
        &mut |s| stages.push(s),
    )
    .unwrap();
    assert_eq!(
        stages,
        [
            Stage::Decode,
            Stage::Resize,
            Stage::Encode,
            Stage::Thumbnail,
            Stage::Done
        ]
    );
}

fn assert_too_many(result: Result<impl std::fmt::Debug, Error>, width: u32, height: u32) {
    match result {
        Err(Error::TooManyPixels {
            width: w,
            height: h,
            max,
        }) => {
            assert_eq!((w, h, max), (width, height, 50_000_000));
        }
        other => panic!("expected TooManyPixels, got {other:?}"),
    }
}

#[test]
fn image_bombs_are_refused_before_decoding() {
    let started = Instant::now();
    let png = png_with_size(&png_rgb(&noise(1, 1, 1)), 100_000, 100_000);
    assert!(png.len() < 200);
    assert_eq!(
        image_dimensions(&png).unwrap(),
        (
            Format::Png,
            Dimensions {
                width: 100_000,
                height: 100_000
            }
        )
    );
    assert_too_many(
        compress(&png, &CompressOptions::default(), &mut |_| {}),
        100_000,
        100_000,
    );
    assert_too_many(inspect_photo(&png, 50_000_000, 320), 100_000, 100_000);

    // JPEG sizes are 16-bit: 65535 x 65535 in the frame header of a 16x16 JPEG.
    let mut jpg = jpeg(&noise(16, 16, 2), 90);
    let sof = jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert_too_many(
        compress(&jpg, &CompressOptions::default(), &mut |_| {}),
        65_535,
        65_535,
    );
    assert_too_many(inspect_photo(&jpg, 50_000_000, 320), 65_535, 65_535);

    // WebP VP8X canvas of 16M x 16M.
    let mut webp = b"RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff".to_vec();
    webp.extend_from_slice(b"VP8L\0\0\0\0");
    assert_too_many(
        compress(&webp, &CompressOptions::default(), &mut |_| {}),
        1 << 24,
        1 << 24,
    );

    // Just over the limit is refused too, and the limit is configurable.
    let opts = CompressOptions {
        max_pixels: 255,
        ..Default::default()
    };
    let small = jpeg(&noise(16, 16, 2), 90);
    assert!(matches!(
        compress(&small, &opts, &mut |_| {}),
        Err(Error::TooManyPixels { .. })
    ));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn truncated_and_corrupt_files_fail() {
    let full = jpeg(&noise(256, 256, 5), 92);
    for cut in [full.len() * 6 / 10, full.len() - 2] {
        let truncated = &full[..cut];
        let what = format!("JPEG cut at {cut} of {}", full.len());
        assert!(
            matches!(
                compress(truncated, &CompressOptions::default(), &mut |_| {}),
                Err(Error::Corrupt(_))
            ),
            "{what}"
        );
        assert!(
            matches!(
                inspect_photo(truncated, 50_000_000, 320),
                Err(Error::Corrupt(_))
            ),
            "{what}"
        );
    }
    // Cut inside the header.
    assert!(matches!(
        inspect_photo(&full[..40], 50_000_000, 320),
        Err(Error::Corrupt(_))
    ));
    // Garbage in the entropy-coded data.
    let mut garbled = full.clone();
    let sos = garbled.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for b in &mut garbled[sos + 200..sos + 400] {
        *b = 0xFF;
    }
    assert!(matches!(
        inspect_photo(&garbled, 50_000_000, 320),
        Err(Error::Corrupt(_))
    ));

    let png = png_rgb(&noise(64, 64, 6));
    let cut = &png[..png.len() / 2];
    assert!(matches!(
        compress(cut, &CompressOptions::default(), &mut |_| {}),
        Err(Error::Corrupt(_))
    ));
    assert!(matches!(
        inspect_photo(cut, 50_000_000, 320),
        Err(Error::Corrupt(_))
    ));
}

fn unsupported_name(bytes: &[u8]) -> String {
    match compress(bytes, &CompressOptions::default(), &mut |_| {}) {
        Err(Error::Unsupported { format }) => {
            let again = inspect_photo(bytes, 50_000_000, 320)
                .unwrap_err()
                .to_string();
            assert_eq!(again, format!("unsupported format: {format}"));
            format
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn unsupported_inputs() {
    let mut random = vec![0u8; 4096];
    let mut state = 0x1234_5678u32;
    for b in &mut random {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *b = state as u8;
    }
    assert_eq!(unsupported_name(&random), "unknown");
    assert_eq!(
        unsupported_name(b"Hello, this is a text file.\nNot a photo.\n"),
        "unknown"
    );
    assert_eq!(unsupported_name(b""), "unknown");

    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08meta";
    assert_eq!(sniff(heic), Some(Format::Heic));
    assert_eq!(unsupported_name(heic), "heic");
    let err = compress(heic, &CompressOptions::default(), &mut |_| {}).unwrap_err();
    assert_eq!(err.to_string(), "unsupported format: heic");

    assert_eq!(unsupported_name(b"GIF89a\x01\0\x01\0\0\0\0;"), "gif");
    let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";
    assert_eq!(unsupported_name(avif), "avif");
}

#[test]
fn sniffs_videos() {
    let mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41\0\0\0\x08free";
    assert_eq!(sniff(mp4), Some(Format::Mp4));
    assert_eq!(Format::Mp4.mime(), "video/mp4");
    let mov = b"\0\0\0\x14ftypqt  \x20\x05\x03\0qt  \0\0\0\x08wide";
    assert_eq!(sniff(mov), Some(Format::Mov));
    assert_eq!(Format::Mov.mime(), "video/quicktime");
    let webm = [
        0x1A, 0x45, 0xDF, 0xA3, 0x93, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, b'w', b'e', b'b',
        b'm', 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02, 0x18, 0x53, 0x80, 0x67,
    ];
    assert_eq!(sniff(&webm), Some(Format::Webm));
    for (bytes, format) in [
        (&mp4[..], Format::Mp4),
        (&mov[..], Format::Mov),
        (&webm[..], Format::Webm),
    ] {
        assert!(format.is_video() && !format.is_image());
        assert_eq!(unsupported_name(bytes), format.extension());
    }
    // The name never matters: a JPEG is a JPEG whatever it is called.
    assert_eq!(sniff(&jpeg(&noise(8, 8, 1), 80)), Some(Format::Jpeg));
}

#[test]
fn cmyk_jpeg_decodes() {
    // Adobe-style inverted CMYK (255 = no ink): C=255 M=0 Y=0 K=255 inverted -> pure red.
    let (w, h) = (32usize, 32usize);
    let mut pixels = Vec::with_capacity(w * h * 4);
    for _ in 0..w * h {
        pixels.extend_from_slice(&[255, 0, 0, 255]);
    }
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: w * 4,
        height: h,
        format: turbojpeg::PixelFormat::CMYK,
    };
    let input = turbojpeg::compress(image, 95, turbojpeg::Subsamp::None)
        .unwrap()
        .to_vec();
    let out = run(&input, &CompressOptions::default());
    let decoded = decode_jpeg(&out.image.bytes);
    assert_close(decoded.get_pixel(16, 16).0, [255, 0, 0], 12, "CMYK red");
}

#[test]
fn image_dimensions_reads_headers_only() {
    let jpg = jpeg(&noise(33, 17, 1), 80);
    assert_eq!(
        image_dimensions(&jpg).unwrap(),
        (
            Format::Jpeg,
            Dimensions {
                width: 33,
                height: 17
            }
        )
    );
    // The header alone is enough: cut the JPEG right after its frame header.
    let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(
        image_dimensions(&jpg[..sos + 2]).unwrap().1,
        Dimensions {
            width: 33,
            height: 17
        }
    );
    let png = png_rgb(&noise(5, 9, 1));
    assert_eq!(
        image_dimensions(&png[..40]).unwrap(),
        (
            Format::Png,
            Dimensions {
                width: 5,
                height: 9
            }
        )
    );
    assert!(matches!(
        image_dimensions(b"\x89PNG\r\n\x1a\n\0\0"),
        Err(Error::Corrupt(_))
    ));
    // Decoders agree.
    let decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(&png)).unwrap();
    assert_eq!(decoder.dimensions(), (5, 9));
}

#[test]
fn webp_output_dimensions_and_sniff() {
    let input = jpeg(&noise(900, 600, 9), 90);
    let out = run(
        &input,
        &CompressOptions {
            max_edge: 300,
            output: OutputFormat::Webp,
            ..Default::default()
        },
    );
    assert_eq!(
        image_dimensions(&out.image.bytes).unwrap(),
        (
            Format::Webp,
            Dimensions {
                width: 300,
                height: 200
            }
        )
    );
    let info = inspect_photo(&out.image.bytes, 50_000_000, 320).unwrap();
    assert!(!info.has_metadata);
    assert_eq!((info.width, info.height), (300, 200));
}

#[test]
fn grey_and_16_bit_inputs() {
    // Greyscale JPEG.
    let grey: Vec<u8> = (0..64 * 48).map(|i| (i % 64 * 4) as u8).collect();
    let image = turbojpeg::Image {
        pixels: grey.as_slice(),
        width: 64,
        pitch: 64,
        height: 48,
        format: turbojpeg::PixelFormat::GRAY,
    };
    let input = turbojpeg::compress(image, 90, turbojpeg::Subsamp::Gray)
        .unwrap()
        .to_vec();
    let out = run(
        &input,
        &CompressOptions {
            max_edge: 32,
            ..Default::default()
        },
    );
    assert_eq!((out.image.width, out.image.height), (32, 24));
    let px = decode_jpeg(&out.image.bytes).get_pixel(30, 10).0;
    assert!(
        px[0] > 200 && px[0].abs_diff(px[2]) < 8,
        "bright grey on the right: {px:?}"
    );

    // 16-bit RGB and 8-bit grey+alpha PNGs.
    let wide = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(20, 10, |x, _| {
        if x < 10 {
            image::Rgb([65535, 0, 0])
        } else {
            image::Rgb([0, 0, 65535])
        }
    });
    let mut png16 = Vec::new();
    image::DynamicImage::ImageRgb16(wide)
        .write_to(
            &mut std::io::Cursor::new(&mut png16),
            image::ImageFormat::Png,
        )
        .unwrap();
    let decoded = decode_jpeg(&run(&png16, &CompressOptions::default()).image.bytes);
    assert_close(decoded.get_pixel(2, 5).0, [255, 0, 0], 40, "16-bit red");
    assert_close(decoded.get_pixel(17, 5).0, [0, 0, 255], 40, "16-bit blue");

    let la = image::GrayAlphaImage::from_fn(10, 10, |x, _| {
        image::LumaA([0, if x < 5 { 0 } else { 255 }])
    });
    let mut png_la = Vec::new();
    image::DynamicImage::ImageLumaA8(la)
        .write_to(
            &mut std::io::Cursor::new(&mut png_la),
            image::ImageFormat::Png,
        )
        .unwrap();
    let decoded = decode_jpeg(&run(&png_la, &CompressOptions::default()).image.bytes);
    assert_close(
        decoded.get_pixel(1, 5).0,
        [255, 255, 255],
        8,
        "transparent grey -> white",
    );
    assert_close(decoded.get_pixel(8, 5).0, [0, 0, 0], 8, "opaque black");
}
