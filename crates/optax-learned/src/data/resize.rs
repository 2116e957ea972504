//! Bilinear image resizing as TensorFlow's `tf.image.resize(method="bilinear",
//! antialias=False)` does it, with half-pixel centres: output pixel `o` samples the input at
//!
//! ```text
//! x = (o + ½)·(in / out) − ½,   x₀ = max(⌊x⌋, 0),   x₁ = min(⌈x⌉, in − 1),   λ = x − ⌊x⌋
//! value = top + (bottom − top)·λ_y,   top = I[y₀,x₀] + (I[y₀,x₁] − I[y₀,x₀])·λ_x   (bottom alike)
//! ```
//!
//! For 28 → 8 the sampled rows and columns are 1.25, 4.75, …, 25.75. learned_optimization's
//! image tasks resize this way before scaling to [0, 1].

/// Where output pixel `o` samples an input axis of `n_in` pixels: the two neighbours and the
/// weight of the second.
fn sample(o: usize, n_in: usize, n_out: usize) -> (usize, usize, f32) {
    let scale = n_in as f32 / n_out as f32;
    let x = (o as f32 + 0.5) * scale - 0.5;
    let floor = x.floor();
    let x0 = floor.max(0.0) as usize;
    let x1 = (x.ceil() as usize).min(n_in - 1);
    (x0, x1, x - floor)
}

/// Resizes one `h × w` single-channel image of bytes to `out_h × out_w` floats (still on the
/// 0–255 scale), row-major.
pub fn resize_bilinear(image: &[u8], h: usize, w: usize, out_h: usize, out_w: usize) -> Vec<f32> {
    debug_assert_eq!(image.len(), h * w);
    let cols: Vec<_> = (0..out_w).map(|o| sample(o, w, out_w)).collect();
    let mut out = Vec::with_capacity(out_h * out_w);
    for oy in 0..out_h {
        let (y0, y1, ly) = sample(oy, h, out_h);
        for &(x0, x1, lx) in &cols {
            let px = |y: usize, x: usize| image[y * w + x] as f32;
            let top = px(y0, x0) + (px(y0, x1) - px(y0, x0)) * lx;
            let bottom = px(y1, x0) + (px(y1, x1) - px(y1, x0)) * lx;
            out.push(top + (bottom - top) * ly);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_at_half_pixel_centres() {
        // 28 -> 8: x = 1.25 + 3.5·o.
        let (x0, x1, l) = sample(0, 28, 8);
        assert_eq!((x0, x1), (1, 2));
        assert!((l - 0.25).abs() < 1e-6);
        let (x0, x1, l) = sample(7, 28, 8);
        assert_eq!((x0, x1), (25, 26));
        assert!((l - 0.75).abs() < 1e-6);
    }

    #[test]
    fn interpolates_a_ramp_exactly() {
        // I[y, x] = 9x + y: bilinear interpolation reproduces it at the sampled points.
        let (h, w) = (28, 28);
        let image: Vec<u8> = (0..h * w)
            .map(|i| (9 * (i % w) / 3 + (i / w)) as u8)
            .collect();
        let out = resize_bilinear(&image, h, w, 8, 8);
        for oy in 0..8 {
            for ox in 0..8 {
                let (x, y) = (1.25 + 3.5 * ox as f32, 1.25 + 3.5 * oy as f32);
                let expected = 3.0 * x + y;
                assert!((out[oy * 8 + ox] - expected).abs() < 1e-3, "{oy},{ox}");
            }
        }
    }

    #[test]
    fn upsampling_clamps_at_the_border() {
        // 2 -> 4: x = -0.25 clamps to pixel 0 (weight on ⌈x⌉ = 0 too).
        let out = resize_bilinear(&[0, 100, 0, 100], 2, 2, 1, 4);
        assert_eq!(out.len(), 4);
        assert!(
            out[0].abs() < 1e-6 && (out[3] - 100.0).abs() < 1e-6,
            "{out:?}"
        );
    }
}
