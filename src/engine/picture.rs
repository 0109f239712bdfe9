//! The Mandelbrot kernel's picture, optionally tinted by the worker that computed each row, as a
//! BMP data URL the page can show without a canvas.

use crate::engine::kernels::mandelbrot::{colour, Mandelbrot};
use crate::engine::run::trace::Trace;

/// One colour per worker, from the charts' colour-blind-safe palette (Okabe–Ito).
pub const WORKER_COLOURS: [[u8; 3]; 8] = [
    [0, 114, 178],
    [230, 159, 0],
    [0, 158, 115],
    [204, 121, 167],
    [86, 180, 233],
    [213, 94, 0],
    [240, 228, 66],
    [120, 120, 120],
];

/// Which worker computed each row of a Mandelbrot run (its tasks are its rows).
pub fn row_workers(trace: &Trace, rows: usize) -> Vec<Option<usize>> {
    let mut owners = vec![None; rows];
    for span in &trace.tasks {
        if let Some(owner) = owners.get_mut(span.task) {
            *owner = Some(span.worker);
        }
    }
    owners
}

/// The picture `width` pixels wide as RGBA. With `owners` (one per row of a run of any size),
/// each row is tinted with its worker's colour.
pub fn mandelbrot_rgba(width: u64, owners: Option<&[Option<usize>]>) -> (usize, usize, Vec<u8>) {
    let m = Mandelbrot::new(width).expect("a width within the kernel's limits");
    let (w, h) = (m.width(), m.height());
    let mut rgba = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        let owner = owners.and_then(|o| {
            // Row y of this picture is row y·n/h of the measured one.
            let at = y * o.len() / h;
            o.get(at).copied().flatten()
        });
        for iterations in m.escape_row(y) {
            let [r, g, b, a] = colour(iterations);
            let [r, g, b] = match owner {
                Some(worker) => {
                    let tint = WORKER_COLOURS[worker % WORKER_COLOURS.len()];
                    let mix = |p: u8, t: u8| ((u16::from(p) * 2 + u16::from(t) * 3) / 5) as u8;
                    [mix(r, tint[0]), mix(g, tint[1]), mix(b, tint[2])]
                }
                None => [r, g, b],
            };
            rgba.extend_from_slice(&[r, g, b, a]);
        }
    }
    (w, h, rgba)
}

/// A 24-bit BMP of RGBA pixels (alpha dropped), rows stored bottom-up as the format wants.
pub fn bmp(width: usize, height: usize, rgba: &[u8]) -> Vec<u8> {
    let row_bytes = (width * 3).div_ceil(4) * 4;
    let pixels = row_bytes * height;
    let size = 54 + pixels;
    let mut out = Vec::with_capacity(size);
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(b"BM");
    u32le(&mut out, size as u32);
    u32le(&mut out, 0);
    u32le(&mut out, 54);
    u32le(&mut out, 40);
    u32le(&mut out, width as u32);
    u32le(&mut out, height as u32);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    for v in [0, pixels as u32, 2835, 2835, 0, 0] {
        u32le(&mut out, v);
    }
    for y in (0..height).rev() {
        let start = out.len();
        for x in 0..width {
            let p = &rgba[(y * width + x) * 4..][..3];
            out.extend_from_slice(&[p[2], p[1], p[0]]);
        }
        out.resize(start + row_bytes, 0);
    }
    out
}

/// Standard base64 with padding, for data URLs.
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The picture as a `data:image/bmp;base64,…` URL.
pub fn mandelbrot_data_url(width: u64, owners: Option<&[Option<usize>]>) -> String {
    let (w, h, rgba) = mandelbrot_rgba(width, owners);
    format!("data:image/bmp;base64,{}", base64(&bmp(w, h, &rgba)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::run::dispatch::MapStyle;
    use crate::engine::run::trace::TaskSpan;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn bmp_rows_are_padded_and_stored_bottom_up() {
        // 1 × 2: top red, bottom blue.
        let image = bmp(1, 2, &[255, 0, 0, 255, 0, 0, 255, 255]);
        assert_eq!(&image[..2], b"BM");
        assert_eq!(image.len(), 54 + 2 * 4);
        assert_eq!(
            &image[54..58],
            &[255, 0, 0, 0],
            "the bottom row (blue, as BGR) comes first"
        );
        assert_eq!(&image[58..62], &[0, 0, 255, 0]);
    }

    #[test]
    fn rows_take_their_workers_colour() {
        let spans = (0..4)
            .map(|task| TaskSpan {
                task,
                worker: task / 2,
                start_ms: 0.0,
                end_ms: 1.0,
            })
            .collect();
        let trace = Trace::new(2, MapStyle::Map, 1, 1.0, spans, None, None);
        let owners = row_workers(&trace, 4);
        assert_eq!(owners, [Some(0), Some(0), Some(1), Some(1)]);
        let (w, h, plain) = mandelbrot_rgba(12, None);
        let (_, _, tinted) = mandelbrot_rgba(12, Some(&owners));
        assert_eq!((w, h), (12, 8));
        assert_ne!(plain, tinted);
        // The top half went to worker 0, the bottom to worker 1: their tints differ.
        assert_ne!(tinted[..4], tinted[(h - 1) * w * 4..][..4]);
        assert!(mandelbrot_data_url(12, None).starts_with("data:image/bmp;base64,Qk"));
    }
}
