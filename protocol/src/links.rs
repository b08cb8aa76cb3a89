//! Share links and app links, one spelling for the server, the apps and
//! the bindings: `https://HOST/r/{id}` (a review), `/p/{id}` (a place),
//! `/c/{id}` (a group-buy) are what members share (the server answers a
//! page with a preview); `moa://review/{id}`, `moa://place/{id}`,
//! `moa://campaign/{id}` open the app there. [`parse`] reads either.

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    Review,
    Place,
    Campaign,
}

impl LinkKind {
    pub const ALL: [LinkKind; 3] = [LinkKind::Review, LinkKind::Place, LinkKind::Campaign];

    /// The word in app links (`moa://review/…`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Review => "review",
            LinkKind::Place => "place",
            LinkKind::Campaign => "campaign",
        }
    }

    /// The letter of share links (`/r/…`).
    pub fn letter(self) -> &'static str {
        match self {
            LinkKind::Review => "r",
            LinkKind::Place => "p",
            LinkKind::Campaign => "c",
        }
    }
}

/// The scheme of app links.
pub const APP_SCHEME: &str = "moa";

/// `moa://review/{id}`.
pub fn app_link(kind: LinkKind, id: &str) -> String {
    format!("{APP_SCHEME}://{}/{id}", kind.as_str())
}

/// `/r/{id}`: the path of a share link.
pub fn share_path(kind: LinkKind, id: &str) -> String {
    format!("/{}/{id}", kind.letter())
}

/// `{base}/r/{id}` for a server at `base` (`https://moa.example`).
pub fn share_link(base: &str, kind: LinkKind, id: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), share_path(kind, id))
}

/// What `link` points at: an app link (`moa://review/{id}`) or a share link
/// on any host (`https://…/r/{id}`, query and fragment ignored). `None` for
/// anything else, including an id that is not a UUID.
pub fn parse(link: &str) -> Option<(LinkKind, String)> {
    let link = link.trim();
    let (kind, id) = if let Some(rest) = link.strip_prefix("moa://") {
        let (word, id) = rest.split_once('/')?;
        let kind = LinkKind::ALL.into_iter().find(|k| k.as_str() == word)?;
        (kind, id)
    } else {
        let rest = link
            .strip_prefix("https://")
            .or_else(|| link.strip_prefix("http://"))?;
        let (_host, path) = rest.split_once('/')?;
        let (letter, id) = path.split_once('/')?;
        let kind = LinkKind::ALL.into_iter().find(|k| k.letter() == letter)?;
        (kind, id)
    };
    let id = id.split(['?', '#']).next().unwrap_or_default();
    let id = id.strip_suffix('/').unwrap_or(id);
    is_uuid(id).then(|| (kind, id.to_ascii_lowercase()))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190b7a0-0000-7000-8000-000000000001";

    #[test]
    fn links_round_trip() {
        for kind in LinkKind::ALL {
            assert_eq!(parse(&app_link(kind, ID)), Some((kind, ID.to_owned())));
            let shared = share_link("https://moa.example/", kind, ID);
            assert!(shared.starts_with("https://moa.example/"));
            assert_eq!(parse(&shared), Some((kind, ID.to_owned())));
        }
        assert_eq!(
            share_link("http://127.0.0.1:8080", LinkKind::Review, ID),
            format!("http://127.0.0.1:8080/r/{ID}")
        );
    }

    #[test]
    fn parsing_is_strict() {
        assert_eq!(
            parse(&format!(
                "  https://x.kr/c/{}?utm=kakao#top ",
                ID.to_uppercase()
            )),
            Some((LinkKind::Campaign, ID.to_owned()))
        );
        assert_eq!(
            parse(&format!("moa://place/{ID}/")),
            Some((LinkKind::Place, ID.to_owned()))
        );
        for bad in [
            "",
            "moa://",
            "moa://review/",
            "moa://user/0190b7a0-0000-7000-8000-000000000001",
            "moa://review/../../etc/passwd",
            "moa://review/0190b7a0-0000-7000-8000-00000000000",
            "https://moa.example/x/0190b7a0-0000-7000-8000-000000000001",
            "https://moa.example/r/0190b7a0-0000-7000-8000-000000000001/extra",
            "ftp://moa.example/r/0190b7a0-0000-7000-8000-000000000001",
            "javascript:alert(1)",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
