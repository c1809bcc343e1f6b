//! A pass-through FUSE file system with a fault switch, for tests of storage that fails under
//! a running hub: every file and folder of a backing directory appears at the mount point,
//! and while the switch is on, every operation on them fails with `EIO`, as a dying disk or a
//! pulled USB drive would answer. Linux only; mounting needs `/dev/fuse` and the privilege to
//! mount (root), and [`FaultFs::mount`] says so and gives `None` where it cannot.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    BackgroundSession, Config, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation,
    INodeNo, LockOwner, MountOption, OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData,
    ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
    WriteFlags,
};

/// Attributes are never cached by the kernel: a fault shows at once.
const TTL: Duration = Duration::ZERO;

/// The switch: `fail(true)` makes every operation answer `EIO` until `fail(false)`.
#[derive(Clone, Default)]
pub struct FaultSwitch(Arc<AtomicBool>);

impl FaultSwitch {
    pub fn fail(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }

    fn on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The mounted file system; dropping it unmounts.
pub struct FaultFs {
    pub switch: FaultSwitch,
    session: Option<BackgroundSession>,
    mountpoint: PathBuf,
}

impl FaultFs {
    /// Mounts `backing` at `mountpoint` (both existing directories). `None`, after saying why
    /// on stderr, where this machine cannot mount a FUSE file system.
    pub fn mount(backing: &Path, mountpoint: &Path) -> Option<FaultFs> {
        if !Path::new("/dev/fuse").exists() {
            antrian_proto::skip::skipped(
                "/dev/fuse is missing, no FUSE file system can be mounted",
                "a Linux with FUSE",
            );
            return None;
        }
        let switch = FaultSwitch::default();
        let fs = PassThrough {
            switch: switch.clone(),
            inodes: Mutex::new(Inodes::new(backing)),
            files: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
        };
        let mut config = Config::default();
        config.mount_options = vec![MountOption::FSName("antrian-faultfs".into())];
        match fuser::spawn_mount(fs, mountpoint, &config) {
            Ok(session) => {
                Some(FaultFs { switch, session: Some(session), mountpoint: mountpoint.to_owned() })
            }
            Err(error) => {
                antrian_proto::skip::skipped(
                    &format!("cannot mount a FUSE file system here ({error})"),
                    "run as root, or install fusermount",
                );
                None
            }
        }
    }
}

impl Drop for FaultFs {
    fn drop(&mut self) {
        self.switch.fail(false);
        if let Some(session) = self.session.take()
            && session.umount_and_join().is_err()
        {
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.mountpoint).status();
        }
    }
}

/// Inode numbers are the backing files' own; the root is FUSE's 1.
struct Inodes {
    root: PathBuf,
    root_ino: u64,
    paths: HashMap<u64, PathBuf>,
}

impl Inodes {
    fn new(root: &Path) -> Inodes {
        let root_ino = std::fs::metadata(root).map(|m| m.ino()).unwrap_or(0);
        Inodes { root: root.to_owned(), root_ino, paths: HashMap::new() }
    }

    fn path(&self, ino: INodeNo) -> Result<PathBuf, Errno> {
        if ino == INodeNo::ROOT {
            return Ok(self.root.clone());
        }
        self.paths.get(&ino.0).cloned().ok_or(Errno::ENOENT)
    }

    /// The FUSE attributes of `path`, remembering its inode.
    fn attr(&mut self, path: &Path) -> Result<FileAttr, Errno> {
        let meta = std::fs::symlink_metadata(path).map_err(Errno::from)?;
        let ino = if meta.ino() == self.root_ino && path == self.root {
            INodeNo::ROOT
        } else {
            self.paths.insert(meta.ino(), path.to_owned());
            INodeNo(meta.ino())
        };
        Ok(file_attr(ino, &meta))
    }
}

fn file_attr(ino: INodeNo, meta: &std::fs::Metadata) -> FileAttr {
    let time = |secs: i64, nanos: i64| {
        UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64) + Duration::from_nanos(nanos.max(0) as u64)
    };
    let kind = if meta.is_dir() {
        FileType::Directory
    } else if meta.file_type().is_symlink() {
        FileType::Symlink
    } else {
        FileType::RegularFile
    };
    FileAttr {
        ino,
        size: meta.size(),
        blocks: meta.blocks(),
        atime: time(meta.atime(), meta.atime_nsec()),
        mtime: time(meta.mtime(), meta.mtime_nsec()),
        ctime: time(meta.ctime(), meta.ctime_nsec()),
        crtime: time(meta.ctime(), meta.ctime_nsec()),
        kind,
        perm: (meta.mode() & 0o7777) as u16,
        nlink: meta.nlink() as u32,
        uid: meta.uid(),
        gid: meta.gid(),
        rdev: meta.rdev() as u32,
        blksize: meta.blksize() as u32,
        flags: 0,
    }
}

struct PassThrough {
    switch: FaultSwitch,
    inodes: Mutex<Inodes>,
    files: Mutex<HashMap<u64, Arc<File>>>,
    next_fh: AtomicU64,
}

impl PassThrough {
    /// `EIO` while the switch is on.
    fn check(&self) -> Result<(), Errno> {
        if self.switch.on() { Err(Errno::EIO) } else { Ok(()) }
    }

    fn path(&self, ino: INodeNo) -> Result<PathBuf, Errno> {
        self.check()?;
        self.inodes.lock().expect("inodes").path(ino)
    }

    fn child(&self, parent: INodeNo, name: &OsStr) -> Result<PathBuf, Errno> {
        Ok(self.path(parent)?.join(name))
    }

    fn attr(&self, path: &Path) -> Result<FileAttr, Errno> {
        self.inodes.lock().expect("inodes").attr(path)
    }

    fn file(&self, fh: FileHandle) -> Result<Arc<File>, Errno> {
        self.check()?;
        self.files.lock().expect("files").get(&fh.0).cloned().ok_or(Errno::EBADF)
    }

    fn keep(&self, file: File) -> FileHandle {
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        self.files.lock().expect("files").insert(fh, Arc::new(file));
        FileHandle(fh)
    }
}

fn open_options(flags: i32) -> OpenOptions {
    let mut options = OpenOptions::new();
    match flags & libc::O_ACCMODE {
        libc::O_WRONLY => options.write(true),
        libc::O_RDWR => options.read(true).write(true),
        _ => options.read(true),
    };
    options.custom_flags(flags & !(libc::O_ACCMODE | libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC));
    if flags & libc::O_TRUNC != 0 {
        options.truncate(true);
    }
    options
}

impl Filesystem for PassThrough {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        match self.child(parent, name).and_then(|p| self.attr(&p)) {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        match self.path(ino).and_then(|p| self.attr(&p)) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let result = (|| {
            let path = self.path(ino)?;
            if let Some(size) = size {
                match fh {
                    Some(fh) => self.file(fh)?.set_len(size),
                    None => OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(size)),
                }
                .map_err(Errno::from)?;
            }
            if let Some(mode) = mode {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o7777))
                    .map_err(Errno::from)?;
            }
            self.attr(&path)
        })();
        match result {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, reply: ReplyEntry) {
        let result = self.child(parent, name).and_then(|path| {
            std::fs::create_dir(&path).map_err(Errno::from)?;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & !umask & 0o7777));
            self.attr(&path)
        });
        match result {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.child(parent, name).and_then(|p| std::fs::remove_file(p).map_err(Errno::from)) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.child(parent, name).and_then(|p| std::fs::remove_dir(p).map_err(Errno::from)) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        _flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let result = (|| {
            let (from, to) = (self.child(parent, name)?, self.child(newparent, newname)?);
            std::fs::rename(&from, &to).map_err(Errno::from)?;
            self.attr(&to).map(|_| ())
        })();
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        match self.path(ino).and_then(|p| open_options(flags.0).open(p).map_err(Errno::from)) {
            Ok(file) => reply.opened(self.keep(file), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let result = self.child(parent, name).and_then(|path| {
            let mut options = open_options(flags);
            options.create(true).mode(mode & !umask & 0o7777);
            if flags & libc::O_ACCMODE == libc::O_RDONLY {
                options.write(true);
            }
            if flags & libc::O_EXCL != 0 {
                options.create_new(true);
            }
            let file = options.open(&path).map_err(Errno::from)?;
            Ok((self.attr(&path)?, file))
        });
        match result {
            Ok((attr, file)) => {
                reply.created(&TTL, &attr, Generation(0), self.keep(file), FopenFlags::empty())
            }
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let result = self.file(fh).and_then(|file| {
            let mut buffer = vec![0; size as usize];
            let mut filled = 0;
            while filled < buffer.len() {
                match file.read_at(&mut buffer[filled..], offset + filled as u64) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Errno::from(e)),
                }
            }
            buffer.truncate(filled);
            Ok(buffer)
        });
        match result {
            Ok(data) => reply.data(&data),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        match self.file(fh).and_then(|file| file.write_all_at(data, offset).map_err(Errno::from)) {
            Ok(()) => reply.written(data.len() as u32),
            Err(e) => reply.error(e),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        match self.file(fh) {
            Ok(_) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        // Closing always succeeds, as close(2) on a failing disk does: the handle goes.
        self.files.lock().expect("files").remove(&fh.0);
        reply.ok();
    }

    fn fsync(&self, _req: &Request, _ino: INodeNo, fh: FileHandle, datasync: bool, reply: ReplyEmpty) {
        let result = self
            .file(fh)
            .and_then(|file| if datasync { file.sync_data() } else { file.sync_all() }.map_err(Errno::from));
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        match self.path(ino) {
            Ok(_) => reply.opened(FileHandle(0), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn readdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectory) {
        let result = self.path(ino).and_then(|dir| {
            let mut entries =
                vec![(ino, FileType::Directory, ".".into()), (ino, FileType::Directory, "..".into())];
            for entry in std::fs::read_dir(&dir).map_err(Errno::from)? {
                let entry = entry.map_err(Errno::from)?;
                let attr = self.attr(&entry.path())?;
                entries.push((attr.ino, attr.kind, entry.file_name()));
            }
            Ok(entries)
        });
        match result {
            Ok(entries) => {
                for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
                    if reply.add(ino, (i + 1) as u64, kind, name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn fsyncdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        let result =
            self.path(ino).and_then(|dir| File::open(dir).and_then(|d| d.sync_all()).map_err(Errno::from));
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn statfs(&self, _req: &Request, ino: INodeNo, reply: ReplyStatfs) {
        match self.path(ino) {
            Ok(_) => reply.statfs(1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 4096, 255, 4096),
            Err(e) => reply.error(e),
        }
    }

    fn access(&self, _req: &Request, ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        match self.path(ino) {
            Ok(_) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }
}
