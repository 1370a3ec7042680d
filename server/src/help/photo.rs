//! Photos attached to help requests: recognised by their first bytes (never by the type a client
//! declares alone), stored as `<data dir>/help/<id>.<ext>`, and never left half-written.
//!
//! A photo is first written and flushed to a temporary file in the same folder ([`Staged`]);
//! once the request's row is inserted it is renamed to its final name ([`Placed`]), and it is
//! kept only when the transaction commits. Each guard removes its file when dropped, so a failed
//! write inserts nothing and a failed insert or commit leaves no file behind.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Largest photo accepted: 2 MiB.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// Prefix of temporary files; anything left with it after a crash is swept at start-up.
const INCOMING: &str = ".incoming-";

/// The image formats a kiosk may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    pub const ALL: [PhotoKind; 3] = [PhotoKind::Jpeg, PhotoKind::Png, PhotoKind::Webp];

    pub fn mime(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::Webp => "image/webp",
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
            PhotoKind::Webp => "webp",
        }
    }

    /// The kind of a stored MIME type.
    pub fn from_mime(mime: &str) -> Option<PhotoKind> {
        let mime = mime.trim().to_ascii_lowercase();
        let mime = if mime == "image/jpg" || mime == "image/pjpeg" {
            "image/jpeg".to_owned()
        } else {
            mime
        };
        Self::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// Recognise an image by its signature: JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A 1A 0A`,
    /// WebP `RIFF <size> WEBP`.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoKind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PhotoKind::Webp)
        } else {
            None
        }
    }
}

/// Why a photo was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is larger than 2 MiB")]
    TooLarge,
    #[error("the photo is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the photo's content ({found}) does not match its declared type {declared:?}")]
    Mismatch {
        declared: String,
        found: &'static str,
    },
}

/// A photo that passed the checks, held in memory until it is staged.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    bytes: Vec<u8>,
    kind: PhotoKind,
}

impl Photo {
    /// Check a photo's size and signature. A declared type other than the generic
    /// `application/octet-stream` must agree with the signature.
    pub fn new(bytes: Vec<u8>, declared: Option<&str>) -> Result<Photo, PhotoError> {
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(PhotoError::TooLarge);
        }
        let kind = PhotoKind::sniff(&bytes).ok_or(PhotoError::NotAnImage)?;
        if let Some(declared) = declared.map(str::trim).filter(|d| !d.is_empty())
            && !declared.eq_ignore_ascii_case("application/octet-stream")
            && PhotoKind::from_mime(declared) != Some(kind)
        {
            return Err(PhotoError::Mismatch {
                declared: declared.chars().take(100).collect(),
                found: kind.mime(),
            });
        }
        Ok(Photo { bytes, kind })
    }

    pub fn kind(&self) -> PhotoKind {
        self.kind
    }
}

/// The folder of help photos.
#[derive(Debug, Clone)]
pub struct PhotoStore {
    dir: PathBuf,
}

impl PhotoStore {
    /// Photos live in `<data_dir>/help`, created on first use.
    pub fn new(data_dir: &Path) -> PhotoStore {
        PhotoStore {
            dir: data_dir.join("help"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: i64, kind: PhotoKind) -> PathBuf {
        self.dir.join(format!("{id}.{}", kind.ext()))
    }

    /// Write a photo to a temporary file and flush it to disk.
    pub async fn stage(&self, photo: &Photo) -> std::io::Result<Staged> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let path = self
            .dir
            .join(format!("{INCOMING}{}.tmp", uuid::Uuid::new_v4().simple()));
        let staged = Staged {
            path: Some(path.clone()),
            dir: self.dir.clone(),
            kind: photo.kind,
        };
        let mut file = tokio::fs::File::create_new(&path).await?;
        file.write_all(&photo.bytes).await?;
        file.sync_all().await?;
        Ok(staged)
    }

    /// The stored photo of request `id`.
    pub async fn read(&self, id: i64, kind: PhotoKind) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.path(id, kind)).await
    }

    /// Remove temporary files left by a crash between staging and commit.
    pub fn sweep(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(INCOMING) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// A photo written to a temporary file; removed on drop unless placed.
#[derive(Debug)]
pub struct Staged {
    path: Option<PathBuf>,
    dir: PathBuf,
    kind: PhotoKind,
}

impl Staged {
    /// Rename the photo to its request's name and flush the folder. Replaces a leftover file of
    /// the same name (an id whose earlier insert rolled back).
    pub async fn place(mut self, id: i64) -> std::io::Result<Placed> {
        let from = self
            .path
            .clone()
            .expect("a staged photo is placed at most once");
        let to = self.dir.join(format!("{id}.{}", self.kind.ext()));
        tokio::fs::rename(&from, &to).await?;
        self.path = None;
        let placed = Placed { path: Some(to) };
        tokio::fs::File::open(&self.dir).await?.sync_all().await?;
        Ok(placed)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(path) = self.path.take()
            && let Err(e) = std::fs::remove_file(&path)
            && e.kind() != ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a staged photo");
        }
    }
}

/// A photo under its final name; removed on drop unless [`Placed::keep`] is called once the
/// request is committed.
#[derive(Debug)]
pub struct Placed {
    path: Option<PathBuf>,
}

impl Placed {
    pub fn keep(mut self) {
        self.path = None;
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Some(path) = self.path.take()
            && let Err(e) = std::fs::remove_file(&path)
            && e.kind() != ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an uncommitted photo");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    const WEBP: &[u8] = b"RIFF\x1a\0\0\0WEBPVP8 ";

    #[test]
    fn images_are_recognised_by_their_signature_not_their_declared_type() {
        assert_eq!(PhotoKind::sniff(PNG), Some(PhotoKind::Png));
        assert_eq!(PhotoKind::sniff(JPEG), Some(PhotoKind::Jpeg));
        assert_eq!(PhotoKind::sniff(WEBP), Some(PhotoKind::Webp));
        assert_eq!(PhotoKind::sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(PhotoKind::sniff(b"hello"), None);
        assert_eq!(PhotoKind::sniff(b""), None);
        assert!(Photo::new(PNG.to_vec(), Some("image/png")).is_ok());
        assert!(Photo::new(JPEG.to_vec(), Some("image/jpg")).is_ok());
        assert!(Photo::new(WEBP.to_vec(), Some("application/octet-stream")).is_ok());
        assert!(Photo::new(PNG.to_vec(), None).is_ok());
        assert_eq!(
            Photo::new(b"just text".to_vec(), Some("image/png")),
            Err(PhotoError::NotAnImage)
        );
        assert!(matches!(
            Photo::new(PNG.to_vec(), Some("image/jpeg")),
            Err(PhotoError::Mismatch { .. })
        ));
        let mut big = PNG.to_vec();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(Photo::new(big, None), Err(PhotoError::TooLarge));
        let mut at_limit = PNG.to_vec();
        at_limit.resize(MAX_PHOTO_BYTES, 0);
        assert!(Photo::new(at_limit, None).is_ok());
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_photo_is_kept_only_when_placed_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path());
        let photo = Photo::new(PNG.to_vec(), None).unwrap();

        // Staged then abandoned (the insert failed): nothing left.
        let staged = store.stage(&photo).await.unwrap();
        assert_eq!(files(store.dir()).len(), 1);
        drop(staged);
        assert!(files(store.dir()).is_empty());

        // Placed but not kept (the commit failed): nothing left.
        let placed = store.stage(&photo).await.unwrap().place(7).await.unwrap();
        assert_eq!(files(store.dir()), ["7.png"]);
        drop(placed);
        assert!(files(store.dir()).is_empty());

        // Placed and kept: the final file only.
        store
            .stage(&photo)
            .await
            .unwrap()
            .place(8)
            .await
            .unwrap()
            .keep();
        assert_eq!(files(store.dir()), ["8.png"]);
        assert_eq!(store.read(8, PhotoKind::Png).await.unwrap(), PNG);
    }

    #[tokio::test]
    async fn leftover_temporary_files_are_swept() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path());
        assert_eq!(store.sweep().unwrap(), 0, "no folder yet");
        std::fs::create_dir_all(store.dir()).unwrap();
        std::fs::write(store.dir().join(".incoming-abc.tmp"), b"x").unwrap();
        std::fs::write(store.dir().join("3.jpg"), JPEG).unwrap();
        assert_eq!(store.sweep().unwrap(), 1);
        assert_eq!(files(store.dir()), ["3.jpg"]);
    }
}
