//! The loss plot: a small raster line chart (log-scale y axis) written as a PNG.
//!
//! Self-contained on purpose: lines are antialiased by distance to the segment, text is drawn
//! with the DejaVu Sans font embedded in the binary (through `ab_glyph`), and the PNG is framed
//! here around a zlib stream from `miniz_oxide`. So the plot renders the same on a machine with
//! no fonts installed, and the crate adds no feature to the crates Burn is built with (a chart
//! library would, and Burn would be compiled a second time; docs/quickstart.md has the check).

use std::io;
use std::path::Path;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

/// An RGB color.
pub type Rgb = [u8; 3];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [20, 20, 20];
const GRID: Rgb = [225, 225, 225];
const AXIS: Rgb = [90, 90, 90];

/// Line colors of the series, in order (matplotlib's first colors).
pub const SERIES_COLORS: [Rgb; 4] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

/// One line of the chart.
pub struct Series<'a> {
    /// Legend text.
    pub label: &'a str,
    /// The y value at step `i` (x = i).
    pub values: &'a [f32],
}

/// An RGB image.
pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Rgb>,
}

impl Canvas {
    /// A canvas filled with `color`.
    pub fn new(width: usize, height: usize, color: Rgb) -> Self {
        Self {
            width,
            height,
            pixels: vec![color; width * height],
        }
    }

    /// The pixel at `(x, y)`.
    pub fn pixel(&self, x: usize, y: usize) -> Rgb {
        self.pixels[y * self.width + x]
    }

    fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 || alpha <= 0.0 {
            return;
        }
        let a = alpha.min(1.0);
        let p = &mut self.pixels[y as usize * self.width + x as usize];
        for c in 0..3 {
            p[c] = (p[c] as f32 * (1.0 - a) + color[c] as f32 * a).round() as u8;
        }
    }

    fn fill_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, color: Rgb) {
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend(x, y, color, 1.0);
            }
        }
    }

    fn hline(&mut self, x0: i64, x1: i64, y: i64, color: Rgb) {
        self.fill_rect(x0, y, x1 + 1, y + 1, color);
    }

    fn vline(&mut self, x: i64, y0: i64, y1: i64, color: Rgb) {
        self.fill_rect(x, y0, x + 1, y1 + 1, color);
    }

    /// Strokes a polyline of width `width` pixels, antialiased, clipped to `clip`
    /// (`x0, y0, x1, y1`). Coverage is the maximum over segments, so joints do not darken.
    fn polyline(
        &mut self,
        points: &[(f32, f32)],
        color: Rgb,
        width: f32,
        clip: (i64, i64, i64, i64),
    ) {
        let (cx0, cy0, cx1, cy1) = clip;
        let w = (cx1 - cx0).max(0) as usize;
        let h = (cy1 - cy0).max(0) as usize;
        let mut coverage = vec![0f32; w * h];
        let r = width / 2.0;
        for seg in points.windows(2) {
            let (ax, ay) = seg[0];
            let (bx, by) = seg[1];
            let xmin = ((ax.min(bx) - r - 1.0).floor() as i64).max(cx0);
            let xmax = ((ax.max(bx) + r + 1.0).ceil() as i64).min(cx1 - 1);
            let ymin = ((ay.min(by) - r - 1.0).floor() as i64).max(cy0);
            let ymax = ((ay.max(by) + r + 1.0).ceil() as i64).min(cy1 - 1);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            for y in ymin..=ymax {
                for x in xmin..=xmax {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    let t = if len2 > 0.0 {
                        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
                    let c = (r + 0.5 - (qx * qx + qy * qy).sqrt()).clamp(0.0, 1.0);
                    let i = (y - cy0) as usize * w + (x - cx0) as usize;
                    if c > coverage[i] {
                        coverage[i] = c;
                    }
                }
            }
        }
        for y in 0..h {
            for x in 0..w {
                let c = coverage[y * w + x];
                if c > 0.0 {
                    self.blend(cx0 + x as i64, cy0 + y as i64, color, c);
                }
            }
        }
    }

    /// The PNG encoding of the image (8-bit RGB, zlib level 6).
    pub fn to_png(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(self.height * (1 + 3 * self.width));
        for row in self.pixels.chunks(self.width) {
            raw.push(0); // filter type: none
            for p in row {
                raw.extend_from_slice(p);
            }
        }
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&(self.width as u32).to_be_bytes());
        ihdr.extend_from_slice(&(self.height as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, truecolor, deflate, no filter, no interlace
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(
            &mut png,
            b"IDAT",
            &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
        );
        chunk(&mut png, b"IEND", &[]);
        png
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (IEEE), as PNG chunks need it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Text drawing with the embedded DejaVu Sans.
struct Text {
    font: FontRef<'static>,
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

impl Text {
    fn new() -> Self {
        let font = FontRef::try_from_slice(dejavu::sans::regular())
            .expect("the embedded DejaVu Sans font parses");
        Self { font }
    }

    fn width(&self, s: &str, px: f32) -> f32 {
        let font = self.font.as_scaled(PxScale::from(px));
        let mut w = 0.0;
        let mut prev = None;
        for c in s.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                w += font.kern(p, id);
            }
            w += font.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Draws `s` with its baseline at `y`, aligned at `x`.
    fn draw(
        &self,
        canvas: &mut Canvas,
        s: &str,
        (x, y): (f32, f32),
        px: f32,
        align: Align,
        color: Rgb,
    ) {
        let x = match align {
            Align::Left => x,
            Align::Center => x - self.width(s, px) / 2.0,
            Align::Right => x - self.width(s, px),
        };
        let font = self.font.as_scaled(PxScale::from(px));
        let mut caret = x;
        let mut prev = None;
        for c in s.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(px), point(caret, y));
            caret += font.h_advance(id);
            prev = Some(id);
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                outlined.draw(|gx, gy, cov| {
                    canvas.blend(
                        b.min.x as i64 + gx as i64,
                        b.min.y as i64 + gy as i64,
                        color,
                        cov,
                    );
                });
            }
        }
    }
}

/// A step between ticks near `span / target` of the form 1, 2 or 5 × 10^k.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = (span / target).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// `10^k` written for an axis: plain decimals from 0.001 to 1000, `1e-k` beyond.
fn decade_label(k: i32) -> String {
    match k {
        -3..=-1 => format!("{}", 10f64.powi(k)),
        0..=3 => format!("{}", 10i64.pow(k as u32)),
        _ => format!("1e{k}"),
    }
}

/// Smallest value drawn on the log axis. Zeros are drawn on the bottom edge.
const FLOOR: f64 = 1e-12;

/// Draws `series` against the step, the y axis in log scale, with a title, axis labels and a
/// legend.
pub fn line_chart_log_y(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Canvas {
    let (width, height) = (960usize, 600usize);
    let mut canvas = Canvas::new(width, height, WHITE);
    let text = Text::new();
    let (left, right, top, bottom) = (96i64, width as i64 - 28, 64i64, height as i64 - 72);

    let n = series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let step = nice_step((n - 1) as f64, 8.0).max(1.0);
    let x_max = ((n - 1) as f64 / step).ceil() * step;
    let finite = series
        .iter()
        .flat_map(|s| s.values.iter())
        .filter(|&&v| v.is_finite() && v > 0.0)
        .map(|&v| (v as f64).max(FLOOR));
    let (lo, hi) = finite.fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.1, 1.0) };
    let k_lo = lo.log10().floor() as i32;
    let k_hi = (hi.log10().ceil() as i32).max(k_lo + 1);

    let px_x = |x: f64| left as f64 + (x / x_max) * (right - left) as f64;
    let bottom_value = 10f64.powi(k_lo);
    let px_y = |v: f64| {
        let t = (v.max(bottom_value).log10() - k_lo as f64) / (k_hi - k_lo) as f64;
        bottom as f64 - t * (bottom - top) as f64
    };

    // Grid and ticks: decades (with faint minor ticks when there are few) and round steps.
    let decades = k_hi - k_lo;
    let label_every = (decades as f64 / 8.0).ceil().max(1.0) as i32;
    for k in k_lo..=k_hi {
        let y = px_y(10f64.powi(k)).round() as i64;
        canvas.hline(left, right, y, GRID);
        if decades <= 6 && k < k_hi {
            for m in 2..10 {
                let ym = px_y(m as f64 * 10f64.powi(k)).round() as i64;
                canvas.hline(left - 3, left, ym, AXIS);
            }
        }
        canvas.hline(left - 7, left, y, AXIS);
        if (k - k_lo) % label_every == 0 {
            text.draw(
                &mut canvas,
                &decade_label(k),
                ((left - 11) as f32, y as f32 + 5.0),
                15.0,
                Align::Right,
                BLACK,
            );
        }
    }
    let mut x = 0.0;
    while x <= x_max + 1e-9 {
        let px = px_x(x).round() as i64;
        canvas.vline(px, top, bottom, GRID);
        canvas.vline(px, bottom, bottom + 7, AXIS);
        text.draw(
            &mut canvas,
            &format!("{x}"),
            (px as f32, (bottom + 26) as f32),
            15.0,
            Align::Center,
            BLACK,
        );
        x += step;
    }

    // The series, clipped to the plot area.
    let clip = (left, top, right + 1, bottom + 1);
    for (i, s) in series.iter().enumerate() {
        let points: Vec<(f32, f32)> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(x, &v)| (px_x(x as f64) as f32, px_y(v as f64) as f32))
            .collect();
        canvas.polyline(&points, SERIES_COLORS[i % SERIES_COLORS.len()], 1.6, clip);
    }

    // Frame, labels, title.
    canvas.hline(left, right, top, AXIS);
    canvas.hline(left, right, bottom, AXIS);
    canvas.vline(left, top, bottom, AXIS);
    canvas.vline(right, top, bottom, AXIS);
    let mid = (left + right) as f32 / 2.0;
    text.draw(&mut canvas, title, (mid, 34.0), 20.0, Align::Center, BLACK);
    text.draw(
        &mut canvas,
        x_label,
        (mid, (bottom + 56) as f32),
        16.0,
        Align::Center,
        BLACK,
    );
    text.draw(
        &mut canvas,
        y_label,
        (left as f32, (top - 10) as f32),
        15.0,
        Align::Left,
        BLACK,
    );

    // Legend in the top-right corner of the plot area.
    let widest = series
        .iter()
        .map(|s| text.width(s.label, 15.0))
        .fold(0f32, f32::max);
    let (lw, lh) = (widest as i64 + 64, 14 + 24 * series.len() as i64);
    let (lx, ly) = (right - lw - 12, top + 12);
    canvas.fill_rect(lx, ly, lx + lw, ly + lh, WHITE);
    canvas.hline(lx, lx + lw, ly, GRID);
    canvas.hline(lx, lx + lw, ly + lh, GRID);
    canvas.vline(lx, ly, ly + lh, GRID);
    canvas.vline(lx + lw, ly, ly + lh, GRID);
    for (i, s) in series.iter().enumerate() {
        let y = (ly + 19 + 24 * i as i64) as f32;
        let color = SERIES_COLORS[i % SERIES_COLORS.len()];
        canvas.polyline(
            &[(lx as f32 + 10.0, y), (lx as f32 + 40.0, y)],
            color,
            2.5,
            (lx, ly, lx + lw, ly + lh),
        );
        text.draw(
            &mut canvas,
            s.label,
            (lx as f32 + 50.0, y + 5.0),
            15.0,
            Align::Left,
            BLACK,
        );
    }
    canvas
}

/// Writes the chart of [`line_chart_log_y`] to `path` as a PNG.
pub fn write_loss_plot(path: &Path, title: &str, series: &[Series]) -> io::Result<()> {
    let tiny = series
        .iter()
        .any(|s| s.values.iter().any(|&v| (v as f64) < FLOOR));
    let y_label = if tiny {
        "loss (log scale; losses below 1e-12, 0 included, on the bottom edge)"
    } else {
        "loss (log scale)"
    };
    let canvas = line_chart_log_y(title, "step", y_label, series);
    std::fs::write(path, canvas.to_png())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend_is_the_known_value() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(999.0, 8.0), 200.0);
        assert_eq!(nice_step(19.0, 8.0), 5.0);
        assert_eq!(nice_step(4.0, 8.0), 0.5);
    }

    #[test]
    fn chart_draws_text_and_lines() {
        let a: Vec<f32> = (0..100).map(|i| 5.0 * (-(i as f32) / 10.0).exp()).collect();
        let b: Vec<f32> = (0..100).map(|i| 5.0 / (1.0 + i as f32)).collect();
        let series = [
            Series {
                label: "a",
                values: &a,
            },
            Series {
                label: "b",
                values: &b,
            },
        ];
        let c = line_chart_log_y("title", "step", "loss", &series);
        let count = |pred: &dyn Fn(Rgb) -> bool| {
            (0..c.height)
                .flat_map(|y| (0..c.width).map(move |x| (x, y)))
                .filter(|&(x, y)| pred(c.pixel(x, y)))
                .count()
        };
        // Dark pixels come from text (and the frame); colored ones from the two lines.
        assert!(count(&|p| p[0] == p[1] && p[1] == p[2] && p[0] < 128) > 500);
        assert!(count(&|p| p == SERIES_COLORS[0]) > 100);
        assert!(count(&|p| p == SERIES_COLORS[1]) > 100);
        let png = c.to_png();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(png.len() < 200_000, "compressed: {} bytes", png.len());
    }
}
