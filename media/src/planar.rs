//! JPEG to JPEG without leaving YCbCr: decode to the Y, Cb and Cr planes (no colour conversion,
//! no chroma upsampling), resize each plane straight to its target (chroma from its own
//! resolution to 4:2:0, on a second thread), turn them upright, and encode the planes. Half the
//! memory traffic of the RGB path, and 15-25% faster decoding on 12+ MP photos.

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use turbojpeg::{Colorspace, Compressor, Decompressor, Subsamp, YuvImage, YuvPlanesImage};

use crate::codec::{OPTIMIZE_CODING, SCAN_LIMIT, check_decode, jpeg_scale, tj_corrupt};
use crate::pixels::{Pixels, orient};
use crate::{Dimensions, Error};

/// An upright image as three 8-bit planes: Y at full size, Cb and Cr at half size (4:2:0,
/// rounded up).
pub(crate) struct Planes {
    pub y: Pixels,
    pub cb: Pixels,
    pub cr: Pixels,
}

/// The chroma plane size for 4:2:0 at luma size `dims`.
fn chroma_dims(dims: Dimensions) -> Dimensions {
    Dimensions {
        width: dims.width.div_ceil(2),
        height: dims.height.div_ceil(2),
    }
}

/// A plane of a decoded buffer: `width` x `height` samples, of which the image covers
/// `extent` (the rest is MCU padding).
struct PlaneView<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    extent: (f64, f64),
}

/// Decodes a YCbCr JPEG to planes scaled by [`jpeg_scale`] for `target` (stored orientation),
/// resizes them to `target` and makes them upright; `resizing` is called between decoding and
/// resizing. `None` if the JPEG is not YCbCr with a standard subsampling (greyscale, CMYK, RGB,
/// lossless): use the RGB path.
pub(crate) fn decode_resize_orient(
    input: &[u8],
    target: Dimensions,
    orientation: Orientation,
    resizing: &mut dyn FnMut(),
) -> Result<Option<Planes>, Error> {
    let mut d = Decompressor::new().map_err(|e| Error::Corrupt(e.to_string()))?;
    let header = d.read_header(input).map_err(tj_corrupt)?;
    if header.colorspace != Colorspace::YCbCr
        || header.is_lossless
        || matches!(header.subsamp, Subsamp::Gray | Subsamp::Unknown)
    {
        return Ok(None);
    }
    let full = Dimensions {
        width: u32::try_from(header.width).map_err(|_| Error::Corrupt("width".into()))?,
        height: u32::try_from(header.height).map_err(|_| Error::Corrupt("height".into()))?,
    };
    let factor = jpeg_scale(full, target);
    d.set_scaling_factor(factor).map_err(tj_corrupt)?;
    d.set_scan_limit(SCAN_LIMIT).map_err(tj_corrupt)?;
    let (width, height) = (factor.scale(header.width), factor.scale(header.height));
    let subsamp = header.subsamp;
    let len = turbojpeg::yuv_pixels_len(width, 1, height, subsamp).map_err(tj_corrupt)?;
    let mut yuv = YuvImage {
        pixels: vec![0u8; len],
        width,
        align: 1,
        height,
        subsamp,
    };
    check_decode(d.decompress_to_yuv(input, yuv.as_deref_mut()))?;

    let (yw, yh) = yuv.y_size();
    let (cw, ch) = yuv.uv_size();
    let (hf, vf) = subsamp.size();
    let (y, chroma) = yuv.pixels.split_at(yw * yh);
    let (cb, cr) = chroma.split_at(cw * ch);
    resizing();
    let (w, h) = (width as f64, height as f64);
    let y = view(y, yw, yh, (w, h));
    // The 4:2:0 target chroma plane covers a luma area rounded up to even: take the matching
    // source area (within the decoded plane).
    let target_c = chroma_dims(target);
    let ext = |luma: f64, f: usize, t: u32, tc: u32, plane: usize| {
        (luma / f as f64 * (2 * tc) as f64 / f64::from(t)).min(plane as f64)
    };
    let c_extent = (
        ext(w, hf, target.width, target_c.width, cw),
        ext(h, vf, target.height, target_c.height, ch),
    );
    let cb = view(cb, cw, ch, c_extent);
    let cr = view(&cr[..cw * ch], cw, ch, c_extent);

    let (y, (cb, cr)) = std::thread::scope(|scope| {
        let chroma = scope
            .spawn(|| Ok::<_, Error>((resize_plane(&cb, target_c)?, resize_plane(&cr, target_c)?)));
        let y = resize_plane(&y, target);
        let chroma = chroma
            .join()
            .map_err(|_| Error::Corrupt("resize: a thread panicked".into()));
        Ok::<_, Error>((y?, chroma??))
    })?;
    Ok(Some(Planes {
        y: orient(y, orientation),
        cb: orient(cb, orientation),
        cr: orient(cr, orientation),
    }))
}

fn view(data: &[u8], width: usize, height: usize, extent: (f64, f64)) -> PlaneView<'_> {
    PlaneView {
        data,
        width: width as u32,
        height: height as u32,
        extent,
    }
}

fn whole(p: &Pixels, extent: (f64, f64)) -> PlaneView<'_> {
    PlaneView {
        data: &p.data,
        width: p.width,
        height: p.height,
        extent,
    }
}

/// Resizes a plane's `extent` to `to` with Lanczos3 (a copy if the sizes match).
fn resize_plane(src: &PlaneView<'_>, to: Dimensions) -> Result<Pixels, Error> {
    let failed = |e: &dyn std::fmt::Display| Error::Corrupt(format!("resize: {e}"));
    let image = TypedImageRef::<U8>::from_buffer(src.width, src.height, src.data)
        .map_err(|e| failed(&e))?;
    let mut data = vec![0u8; to.width as usize * to.height as usize];
    let mut dst =
        TypedImage::<U8>::from_buffer(to.width, to.height, &mut data).map_err(|e| failed(&e))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(0.0, 0.0, src.extent.0, src.extent.1);
    Resizer::new()
        .resize_typed(&image, &mut dst, &options)
        .map_err(|e| failed(&e))?;
    Ok(Pixels {
        data,
        width: to.width,
        height: to.height,
        channels: 1,
    })
}

/// Encodes upright planes as a 4:2:0 baseline JPEG (JFIF only, no metadata).
pub(crate) fn encode(planes: &Planes, quality: u8) -> Result<Vec<u8>, Error> {
    let enc = |e: turbojpeg::Error| Error::Encode(format!("JPEG: {e}"));
    let Planes { y, cb, cr } = planes;
    // 4:2:0 reads the Y plane rounded up to even sizes: repeat the last column and row.
    let (pw, ph) = (
        y.width.next_multiple_of(2) as usize,
        y.height.next_multiple_of(2) as usize,
    );
    let padded;
    let y_plane = if (pw, ph) == (y.width as usize, y.height as usize) {
        &y.data[..]
    } else {
        padded = pad_plane(y, pw, ph);
        &padded[..]
    };
    let image = YuvPlanesImage {
        y_plane,
        u_plane: &cb.data[..],
        v_plane: &cr.data[..],
        width: y.width as usize,
        height: y.height as usize,
        y_stride: pw,
        u_stride: cb.width as usize,
        v_stride: cr.width as usize,
        subsamp: Subsamp::Sub2x2,
    };
    if (cb.dims(), cr.dims()) != (chroma_dims(y.dims()), chroma_dims(y.dims())) {
        return Err(Error::Encode("chroma planes of the wrong size".into()));
    }
    let mut c = Compressor::new().map_err(enc)?;
    c.set_quality(i32::from(quality.clamp(1, 100)))
        .map_err(enc)?;
    c.set_optimize(OPTIMIZE_CODING).map_err(enc)?;
    c.compress_yuv_planes_to_vec(&image).map_err(enc)
}

/// `plane` in a `pw` x `ph` buffer, its last column and row repeated into the extra space.
fn pad_plane(plane: &Pixels, pw: usize, ph: usize) -> Vec<u8> {
    let (w, h) = (plane.width as usize, plane.height as usize);
    let mut out = Vec::with_capacity(pw * ph);
    for row in plane.data.chunks_exact(w).take(h) {
        out.extend_from_slice(row);
        out.resize(out.len() + (pw - w), row[w - 1]);
    }
    let last = out[(h - 1) * pw..h * pw].to_vec();
    for _ in h..ph {
        out.extend_from_slice(&last);
    }
    out
}

/// Resizes upright planes to `to`.
pub(crate) fn shrink(planes: &Planes, to: Dimensions) -> Result<Planes, Error> {
    let view = whole;
    let (w, h) = (f64::from(planes.y.width), f64::from(planes.y.height));
    let c_extent = (w / 2.0, h / 2.0);
    Ok(Planes {
        y: resize_plane(&view(&planes.y, (w, h)), to)?,
        cb: resize_plane(&view(&planes.cb, c_extent), chroma_dims(to))?,
        cr: resize_plane(&view(&planes.cr, c_extent), chroma_dims(to))?,
    })
}

/// The planes as RGB at `to` (full-range BT.601, as JFIF), for the blurhash.
pub(crate) fn to_rgb(planes: &Planes, to: Dimensions) -> Result<Pixels, Error> {
    let view = whole;
    let (w, h) = (f64::from(planes.y.width), f64::from(planes.y.height));
    let y = resize_plane(&view(&planes.y, (w, h)), to)?;
    let cb = resize_plane(&view(&planes.cb, (w / 2.0, h / 2.0)), to)?;
    let cr = resize_plane(&view(&planes.cr, (w / 2.0, h / 2.0)), to)?;
    let mut data = Vec::with_capacity(y.data.len() * 3);
    for ((&y, &cb), &cr) in y.data.iter().zip(&cb.data).zip(&cr.data) {
        let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
        let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        data.push(clamp(y + 1.402 * cr));
        data.push(clamp(y - 0.344_136 * cb - 0.714_136 * cr));
        data.push(clamp(y + 1.772 * cb));
    }
    Ok(Pixels {
        data,
        width: to.width,
        height: to.height,
        channels: 3,
    })
}

/// The upright size of planes.
pub(crate) fn dims(planes: &Planes) -> Dimensions {
    planes.y.dims()
}
