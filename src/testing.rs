//! Helpers for tests: whether render tests may run here, and measures of a frame that match what a
//! person would notice (is it blank, is the sky flat, how many thread colours show).

use image::RgbaImage;

use crate::capture::gpu;

/// Set to `1` to make render tests fail, rather than skip, where no GPU adapter exists (CI sets it).
pub const REQUIRE_GPU_ENV: &str = "DREAMLOOM_REQUIRE_GPU";

/// Whether a render test can run. Without an adapter it returns `false` after saying the test is
/// skipped, or panics when [`REQUIRE_GPU_ENV`] asks for render tests to be mandatory.
#[must_use]
pub fn gpu_available(test: &str) -> bool {
    if gpu::find_adapter().is_some() {
        return true;
    }
    let required = std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: {REQUIRE_GPU_ENV}=1 but {}",
        gpu::NO_ADAPTER_HELP
    );
    eprintln!("SKIPPED {test}: {}", gpu::NO_ADAPTER_HELP);
    false
}

/// Relative luminance (sRGB-encoded, 0..1) of a pixel.
fn luma(pixel: [u8; 4]) -> f32 {
    (0.2126 * f32::from(pixel[0]) + 0.7152 * f32::from(pixel[1]) + 0.0722 * f32::from(pixel[2]))
        / 255.0
}

/// Hue in degrees, saturation and value of an sRGB pixel.
#[must_use]
pub fn hsv(pixel: [u8; 4]) -> (f32, f32, f32) {
    let [r, g, b] = [pixel[0], pixel[1], pixel[2]].map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let hue = if delta <= f32::EPSILON {
        0.0
    } else if (max - r).abs() <= f32::EPSILON {
        60.0 * ((g - b) / delta).rem_euclid(6.0)
    } else if (max - g).abs() <= f32::EPSILON {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    let saturation = if max <= f32::EPSILON {
        0.0
    } else {
        delta / max
    };
    (hue, saturation, max)
}

/// What a glance at a frame tells.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameStats {
    /// Mean luminance, 0..1.
    pub mean_luma: f32,
    /// Standard deviation of luminance over the whole frame.
    pub luma_spread: f32,
    /// Standard deviation of luminance over the top tenth of the frame, which is sky.
    pub sky_spread: f32,
    /// Distinct colours (quantised to 5 bits per channel) in the top tenth of the frame.
    pub sky_colours: usize,
    /// Hue bins (of [`HUE_BINS`]) that hold at least [`HUE_BIN_MIN_SHARE`] of the frame's pixels
    /// in vivid colour — roughly, how many thread colours can be told apart.
    pub vivid_hues: usize,
}

/// Bins the hue wheel is cut into for [`FrameStats::vivid_hues`].
pub const HUE_BINS: usize = 24;
/// Share of all pixels a hue bin needs to count.
pub const HUE_BIN_MIN_SHARE: f32 = 0.0008;

/// Measures a frame.
#[must_use]
pub fn frame_stats(frame: &RgbaImage) -> FrameStats {
    let pixels: Vec<[u8; 4]> = frame.pixels().map(|p| p.0).collect();
    let (mean, spread) = mean_and_spread(pixels.iter().map(|&p| luma(p)));
    let sky_rows = (frame.height() / 10).max(1);
    let sky: Vec<[u8; 4]> = frame
        .rows()
        .take(sky_rows as usize)
        .flatten()
        .map(|p| p.0)
        .collect();
    let (_, sky_spread) = mean_and_spread(sky.iter().map(|&p| luma(p)));
    let sky_colours = sky
        .iter()
        .map(|p| (p[0] >> 3, p[1] >> 3, p[2] >> 3))
        .collect::<std::collections::HashSet<_>>()
        .len();

    let mut bins = [0usize; HUE_BINS];
    for &pixel in &pixels {
        let (hue, saturation, value) = hsv(pixel);
        if saturation > 0.35 && value > 0.3 {
            bins[(hue / 360.0 * HUE_BINS as f32) as usize % HUE_BINS] += 1;
        }
    }
    let needed = (pixels.len() as f32 * HUE_BIN_MIN_SHARE).max(1.0) as usize;
    FrameStats {
        mean_luma: mean,
        luma_spread: spread,
        sky_spread,
        sky_colours,
        vivid_hues: bins.iter().filter(|&&n| n >= needed).count(),
    }
}

fn mean_and_spread(values: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let n = values.clone().count().max(1) as f32;
    let mean = values.clone().sum::<f32>() / n;
    let variance = values.map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, variance.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_frame_measures_blank() {
        let frame = RgbaImage::from_pixel(64, 36, image::Rgba([10, 10, 20, 255]));
        let stats = frame_stats(&frame);
        assert!(stats.luma_spread < 1e-6);
        assert_eq!(stats.sky_colours, 1);
        assert_eq!(stats.vivid_hues, 0);
    }

    #[test]
    fn stripes_of_colour_count_as_hues() {
        let frame = RgbaImage::from_fn(60, 30, |x, _| match x / 20 {
            0 => image::Rgba([255, 0, 0, 255]),
            1 => image::Rgba([0, 255, 0, 255]),
            _ => image::Rgba([0, 0, 255, 255]),
        });
        assert_eq!(frame_stats(&frame).vivid_hues, 3);
        assert!((hsv([0, 0, 255, 255]).0 - 240.0).abs() < 1e-3);
    }
}

/// A fresh, empty folder under the system's temporary folder, removed when dropped.
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// Creates `<tmp>/dreamloom-<label>-<pid>-<n>`.
    #[must_use]
    pub fn new(label: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("dreamloom-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temporary folder can be created");
        Self(path)
    }

    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Shannon entropy of the hues of a frame's vivid pixels (24 bins), normalised to `0..1`: how
/// many different colours a person sees, and how evenly.
#[must_use]
pub fn frame_hue_entropy(frame: &RgbaImage) -> f32 {
    let mut bins = [0.0f64; HUE_BINS];
    for pixel in frame.pixels() {
        let (hue, saturation, value) = hsv(pixel.0);
        if saturation > 0.25 && value > 0.3 {
            bins[(hue / 360.0 * HUE_BINS as f32) as usize % HUE_BINS] += 1.0;
        }
    }
    let total: f64 = bins.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let entropy: f64 = bins
        .iter()
        .filter(|&&n| n > 0.0)
        .map(|&n| {
            let p = n / total;
            -p * p.ln()
        })
        .sum();
    (entropy / (HUE_BINS as f64).ln()) as f32
}

/// A response as a test reads it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (lower case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as raw bytes to `addr` and reads the whole response (the request should ask
/// for `Connection: close`). A tiny HTTP/1.1 client: tests send exactly the bytes they mean,
/// malformed ones included. `None` if the server closed without a response.
#[must_use]
pub fn http_raw(addr: std::net::SocketAddr, request: &[u8]) -> Option<HttpResponse> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .ok()?;
    // A server may answer (413) and close before reading everything: a failed write is fine.
    let _ = stream.write_all(request);
    // Read to the end of the body: the close, or `Content-Length` bytes after the head (a server
    // may keep the connection open despite `Connection: close`).
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|length| bytes.len() >= head_end + 4 + length) {
                break;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A GET of `path`.
#[must_use]
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> Option<HttpResponse> {
    http_raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// A POST of `body` to `path` with `headers` (each `Name: value`), as a form sends it unless the
/// headers say otherwise.
#[must_use]
pub fn http_post(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> Option<HttpResponse> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("content-type:"))
    {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    http_raw(addr, &bytes)
}

/// The value of the hidden `token` field of a served form.
#[must_use]
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"token\" value=\"")? + "name=\"token\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}
