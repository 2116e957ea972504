//! Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, arXiv 1708.07747) from the IDX files of the
//! Debian / Ubuntu package `dataset-fashion-mnist`, prepared as learned_optimization's
//! `fashion_mnist_datasets(image_size=...)`: bilinear resize with half-pixel centres, `/255`,
//! the 60,000 training images split 80 / 10 / 10 % into train (48,000), inner_valid (6,000)
//! and outer_valid (6,000), the 10,000 test images as test.
//!
//! learned_optimization reads TFDS, whose example order is TFDS's own; here the splits are
//! taken in the IDX files' order (the same images, another assignment to splits).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use optax_core::{OptaxError, Result};

use super::batches::Split;
use super::classification::ClassificationData;
use super::idx::IdxArray;
use super::resize::resize_bilinear;

/// Where the IDX files are: `$OPTAX_FASHION_MNIST_DIR` if set, else where the Debian package
/// installs them.
pub fn fashion_mnist_dir() -> PathBuf {
    std::env::var_os("OPTAX_FASHION_MNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"))
}

/// Whether the four IDX files are present in [`fashion_mnist_dir`].
pub fn fashion_mnist_available() -> bool {
    FILES.iter().all(|f| fashion_mnist_dir().join(f).is_file())
}

const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// Loads Fashion-MNIST from [`fashion_mnist_dir`] resized to `image_size × image_size` (28: as
/// stored), as four splits. A missing file is an error naming the package that installs it.
pub fn fashion_mnist(image_size: usize) -> Result<ClassificationData> {
    fashion_mnist_from(&fashion_mnist_dir(), image_size)
}

/// [`fashion_mnist`] from the IDX files in `dir`.
pub fn fashion_mnist_from(dir: &Path, image_size: usize) -> Result<ClassificationData> {
    if image_size == 0 {
        return Err(OptaxError::invalid("image_size", "must be at least 1"));
    }
    for f in FILES {
        if !dir.join(f).is_file() {
            return Err(OptaxError::Io(format!(
                "Fashion-MNIST not found: no {} (install it with `apt-get install \
                 dataset-fashion-mnist`, or set OPTAX_FASHION_MNIST_DIR to a folder with the \
                 four IDX .gz files)",
                dir.join(f).display()
            )));
        }
    }
    let train = load(dir, "train", image_size)?;
    let test = load(dir, "t10k", image_size)?;
    let n = train.len();
    let (a, b) = (n * 8 / 10, n * 9 / 10);
    Ok(ClassificationData {
        name: format!("fashion_mnist{image_size}"),
        train: Arc::new(train.slice(0..a)),
        inner_valid: Arc::new(train.slice(a..b)),
        outer_valid: Arc::new(train.slice(b..n)),
        test: Arc::new(test),
    })
}

fn load(dir: &Path, prefix: &str, size: usize) -> Result<Split> {
    let images = IdxArray::read(&dir.join(format!("{prefix}-images-idx3-ubyte.gz")), 3)?;
    let labels = IdxArray::read(&dir.join(format!("{prefix}-labels-idx1-ubyte.gz")), 1)?;
    let [n, h, w] = images.shape[..] else {
        unreachable!("a 3-dimensional IDX array")
    };
    if labels.shape[0] != n {
        return Err(OptaxError::Io(format!(
            "Fashion-MNIST {prefix}: {n} images but {} labels",
            labels.shape[0]
        )));
    }
    let mut features = Vec::with_capacity(n * size * size);
    for image in images.values.chunks_exact(h * w) {
        if (h, w) == (size, size) {
            features.extend(image.iter().map(|&v| v as f32 / 255.0));
        } else {
            let resized = resize_bilinear(image, h, w, size, size);
            features.extend(resized.into_iter().map(|v| v / 255.0));
        }
    }
    Split::new(features, labels.values, size * size, 10)
}
