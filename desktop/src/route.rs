//! Where the app is: [`Route`], one typed enum that owns its string form
//! (read with [`FromStr`], written with [`Display`], the two round-trip), the
//! shared link that opens it (`moa://review/ID`), and the screen that shows
//! it ([`Route::screen`]). `moa --open ROUTE` and the screenshots script use
//! the string form; nothing else parses routes.
//!
//! The spellings, `SCREEN` or `SCREEN:ARG`:
//!
//! | route | string |
//! |---|---|
//! | home feed | `home` |
//! | a review / compose / edit a review | `review:ID`, `compose`, `compose:ID` |
//! | a place / a product / a tag | `place:ID`, `product:ID`, `tag:TAG` |
//! | my page / a member's page | `profile`, `profile:ID` |
//! | a member's followers / followings | `followers:ID`, `following:ID` |
//! | notifications / outbox / settings | `notifications`, `outbox`, `settings` |
//! | search: recent searches / results | `search`, `search:QUERY` |
//! | chat rooms / a room open | `chat`, `chat:ID` |
//! | group-buys / one / my orders / one order | `shop`, `campaign:ID`, `orders`, `order:ID` |
//! | requests (부탁): browse / mine / my quotes / helping | `requests`, `requests:mine`, `requests:quotes`, `requests:helping` |
//! | a request / post one / edit one / points (포인트) | `request:ID`, `request-form`, `request-form:ID`, `points` |
//! | admin: report queue / a tab | `admin` (or `admin:reports`), `admin:stats`, `admin:users`, `admin:audit`, `admin:official` |
//! | back office (admins): orders / products and group-buys / communities / dashboard | `admin:orders`, `admin:shop`, `admin:communities`, `admin:dashboard` |
//!
//! An argument is everything after the first `:` (so it may hold `:` or `/`);
//! it must not be empty, start or end with a space, or hold control
//! characters. Anything else is refused with a [`RouteError`] saying why.

use std::fmt::{self, Display};
use std::str::FromStr;

use dioxus::prelude::*;
use moa_client_core::protocol::SubjectType;

use crate::state::Session;
use crate::ui::{
    admin, chat, compose, feed, notifications, outbox, profile, request_form, requests, review,
    search, shop, subject, wallet,
};

/// Where the app is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Review(String),
    /// Compose a new review, or edit one (`Some(id)`).
    Compose(Option<String>),
    Subject(SubjectType, String),
    Tag(String),
    /// A member's page (`None`: the signed-in member's own).
    Profile(Option<String>),
    People(String, PeopleList),
    Notifications,
    /// The room list, with a room open (`Some(id)`).
    Chat(Option<String>),
    Outbox,
    Settings,
    /// Search results for a query (`None`: the recent searches).
    Search(Option<String>),
    /// 공동구매: the campaigns offered to the member.
    Shop,
    Campaign(String),
    /// 주문 내역.
    Orders,
    Order(String),
    /// 부탁: open requests, or one of the member's own lists.
    Requests(RequestsTab),
    Request(String),
    /// Post a request, or edit one (`Some(id)`).
    RequestForm(Option<String>),
    /// 포인트: balance, ledger, charges.
    Wallet,
    Admin(AdminTab),
}

/// The 부탁 screen's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestsTab {
    /// 둘러보기: open requests offered to the member.
    Browse,
    /// 내 부탁: the requests the member posted.
    Mine,
    /// 내 견적: the member's quotes.
    Quotes,
    /// 도와주는 중: the requests the member helps with.
    Helping,
}

impl RequestsTab {
    pub const ALL: [RequestsTab; 4] = [
        RequestsTab::Browse,
        RequestsTab::Mine,
        RequestsTab::Quotes,
        RequestsTab::Helping,
    ];

    /// The tab's name in a route (`requests:mine`; none for browsing).
    pub fn name(self) -> Option<&'static str> {
        match self {
            RequestsTab::Browse => None,
            RequestsTab::Mine => Some("mine"),
            RequestsTab::Quotes => Some("quotes"),
            RequestsTab::Helping => Some("helping"),
        }
    }
}

/// Which list of a member's people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleList {
    Followers,
    Following,
}

/// The admin mode's tabs: moderation (reports, their statistics, members,
/// the audit log, official reviews) and the back office (orders, products
/// and group-buys, communities, the dashboard), which only admins see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminTab {
    Reports,
    Stats,
    Users,
    Audit,
    Official,
    Orders,
    Catalog,
    Communities,
    Dashboard,
    Texts,
}

impl AdminTab {
    pub const ALL: [AdminTab; 10] = [
        AdminTab::Reports,
        AdminTab::Stats,
        AdminTab::Users,
        AdminTab::Audit,
        AdminTab::Official,
        AdminTab::Orders,
        AdminTab::Catalog,
        AdminTab::Communities,
        AdminTab::Dashboard,
        AdminTab::Texts,
    ];

    /// Whether the tab is the back office's (the shop as admins run it).
    pub fn back_office(self) -> bool {
        matches!(
            self,
            AdminTab::Orders
                | AdminTab::Catalog
                | AdminTab::Communities
                | AdminTab::Dashboard
                | AdminTab::Texts
        )
    }

    /// Whether only admins may open it (moderators may not).
    pub fn admins_only(self) -> bool {
        self.back_office() || self == AdminTab::Users
    }

    /// The tab's name in a route (`admin:stats`).
    pub fn name(self) -> &'static str {
        match self {
            AdminTab::Reports => "reports",
            AdminTab::Stats => "stats",
            AdminTab::Users => "users",
            AdminTab::Audit => "audit",
            AdminTab::Official => "official",
            AdminTab::Orders => "orders",
            AdminTab::Catalog => "shop",
            AdminTab::Communities => "communities",
            AdminTab::Dashboard => "dashboard",
            AdminTab::Texts => "texts",
        }
    }
}

/// Every screen's spelling, for help texts and errors.
pub const SPELLINGS: &str = "home, review:ID, compose, compose:ID, place:ID, product:ID, tag:TAG, \
     profile, profile:ID, followers:ID, following:ID, notifications, chat, chat:ID, outbox, \
     settings, search, search:QUERY, shop, campaign:ID, orders, order:ID, requests, \
     requests:mine|quotes|helping, request:ID, request-form, request-form:ID, points, admin, \
     admin:reports|stats|users|audit|official|orders|shop|communities|dashboard|texts";

/// Why a string is not a route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("unknown screen {0:?} (screens: {SPELLINGS})")]
    UnknownScreen(String),
    #[error("{screen} needs an argument: {screen}:{what}")]
    MissingArgument { screen: String, what: &'static str },
    #[error("{screen} takes no argument, but was given {arg:?}")]
    UnexpectedArgument { screen: String, arg: String },
    #[error(
        "{screen}: {arg:?} is not a valid argument (empty, surrounded by spaces or with control characters)"
    )]
    BadArgument { screen: String, arg: String },
    #[error(
        "unknown admin tab {0:?} (tabs: reports, stats, users, audit, official, orders, shop, communities, dashboard, texts)"
    )]
    UnknownTab(String),
    #[error("unknown requests tab {0:?} (tabs: mine, quotes, helping)")]
    UnknownRequestsTab(String),
    #[error("{0:?} is not a Moa share link (https://HOST/r/ID, /p/ID or /c/ID)")]
    NotAShareLink(String),
}

/// The prefix of the app's shared links.
const LINK_SCHEME: &str = "moa://";

impl Route {
    /// The app's link to this screen: `moa://review/ID` (reads back with
    /// [`FromStr`], like the plain spelling).
    pub fn link(&self) -> String {
        let spelled = self.to_string();
        format!("{LINK_SCHEME}{}", spelled.replacen(':', "/", 1))
    }

    /// Whether `other` is in the same sidebar section as this route (a
    /// member's page is its own section, apart from one's own; the back
    /// office is apart from moderation; a request, its form and the points
    /// are the 부탁 tab's).
    pub fn same_section(&self, other: &Route) -> bool {
        let requests = |r: &Route| {
            matches!(
                r,
                Route::Requests(_) | Route::Request(_) | Route::RequestForm(_) | Route::Wallet
            )
        };
        if requests(self) && requests(other) {
            return true;
        }
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && !matches!((self, other), (Route::Profile(x), Route::Profile(y)) if x != y)
            && !matches!((self, other), (Route::Admin(x), Route::Admin(y)) if x.back_office() != y.back_office())
    }

    /// The route's spelling in two parts: the screen's name and its argument.
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Route::Home => ("home", None),
            Route::Review(id) => ("review", Some(id)),
            Route::Compose(id) => ("compose", id.as_deref()),
            Route::Subject(SubjectType::Place, id) => ("place", Some(id)),
            Route::Subject(SubjectType::Product, id) => ("product", Some(id)),
            Route::Tag(tag) => ("tag", Some(tag)),
            Route::Profile(id) => ("profile", id.as_deref()),
            Route::People(id, PeopleList::Followers) => ("followers", Some(id)),
            Route::People(id, PeopleList::Following) => ("following", Some(id)),
            Route::Notifications => ("notifications", None),
            Route::Chat(id) => ("chat", id.as_deref()),
            Route::Outbox => ("outbox", None),
            Route::Settings => ("settings", None),
            Route::Search(q) => ("search", q.as_deref()),
            Route::Shop => ("shop", None),
            Route::Campaign(id) => ("campaign", Some(id)),
            Route::Orders => ("orders", None),
            Route::Order(id) => ("order", Some(id)),
            Route::Requests(tab) => ("requests", tab.name()),
            Route::Request(id) => ("request", Some(id)),
            Route::RequestForm(id) => ("request-form", id.as_deref()),
            Route::Wallet => ("points", None),
            Route::Admin(AdminTab::Reports) => ("admin", None),
            Route::Admin(tab) => ("admin", Some(tab.name())),
        }
    }

    /// The screen that shows this route. The admin screens are for
    /// moderators and admins (a moderator asking for an admins-only tab gets
    /// the report queue); anyone else is shown the home feed.
    pub fn screen(self, session: Session) -> Element {
        match self {
            Route::Home => rsx! { feed::Home {} },
            Route::Review(id) => rsx! { review::ReviewScreen { key: "{id}", id } },
            Route::Compose(edit) => rsx! { compose::Compose { edit } },
            Route::Subject(kind, id) => {
                rsx! { subject::SubjectScreen { key: "{id}", kind, id } }
            }
            Route::Tag(tag) => rsx! { subject::TagScreen { key: "{tag}", tag } },
            Route::Profile(id) => rsx! { profile::ProfileScreen { user_id: id } },
            Route::People(id, list) => rsx! { profile::People { user_id: id, list } },
            Route::Notifications => rsx! { notifications::Notifications {} },
            Route::Chat(room) => rsx! { chat::ChatScreen { room } },
            Route::Outbox => rsx! { outbox::Outbox {} },
            Route::Settings => rsx! { crate::ui::settings::SettingsScreen {} },
            Route::Search(query) => {
                rsx! { search::SearchScreen { key: "{query:?}", query } }
            }
            Route::Shop => rsx! { shop::ShopScreen {} },
            Route::Campaign(id) => rsx! { shop::CampaignScreen { key: "{id}", id } },
            Route::Orders => rsx! { shop::OrdersScreen {} },
            Route::Order(id) => rsx! { shop::OrderScreen { key: "{id}", id } },
            Route::Requests(tab) => rsx! { requests::RequestsScreen { tab } },
            Route::Request(id) => rsx! { requests::RequestScreen { key: "{id}", id } },
            Route::RequestForm(edit) => {
                rsx! { request_form::RequestFormScreen { key: "{edit:?}", edit } }
            }
            Route::Wallet => rsx! { wallet::WalletScreen {} },
            Route::Admin(tab) => {
                if session.is_admin() || (session.is_moderator() && !tab.admins_only()) {
                    rsx! { admin::Admin { tab } }
                } else if session.is_moderator() {
                    rsx! { admin::Admin { tab: AdminTab::Reports } }
                } else {
                    rsx! { feed::Home {} }
                }
            }
        }
    }
}

impl Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (screen, arg) = self.parts();
        match arg {
            None => f.write_str(screen),
            Some(arg) => write!(f, "{screen}:{arg}"),
        }
    }
}

impl FromStr for Route {
    type Err = RouteError;

    /// Reads `SCREEN[:ARG]`, an app link `moa://SCREEN[/ARG]`, or a share
    /// link `https://HOST/r/ID` (`/p/`, `/c/`).
    fn from_str(spec: &str) -> Result<Route, RouteError> {
        if spec.starts_with("https://") || spec.starts_with("http://") {
            use moa_client_core::protocol::links::{self, LinkKind};
            return match links::parse(spec) {
                Some((LinkKind::Review, id)) => Ok(Route::Review(id)),
                Some((LinkKind::Place, id)) => Ok(Route::Subject(SubjectType::Place, id)),
                Some((LinkKind::Campaign, id)) => Ok(Route::Campaign(id)),
                None => Err(RouteError::NotAShareLink(spec.to_owned())),
            };
        }
        let link = spec
            .strip_prefix(LINK_SCHEME)
            .map(|rest| rest.replacen('/', ":", 1));
        let spec = link.as_deref().unwrap_or(spec);
        let (screen, arg) = match spec.split_once(':') {
            Some((screen, arg)) => (screen, Some(arg)),
            None => (spec, None),
        };
        let arg = Arg { screen, arg };
        Ok(match screen {
            "home" => arg.none(Route::Home)?,
            "review" => Route::Review(arg.required("ID")?),
            "compose" => Route::Compose(arg.optional()?),
            "place" => Route::Subject(SubjectType::Place, arg.required("ID")?),
            "product" => Route::Subject(SubjectType::Product, arg.required("ID")?),
            "tag" => Route::Tag(arg.required("TAG")?),
            "profile" => Route::Profile(arg.optional()?),
            "followers" => Route::People(arg.required("ID")?, PeopleList::Followers),
            "following" => Route::People(arg.required("ID")?, PeopleList::Following),
            "notifications" => arg.none(Route::Notifications)?,
            "chat" => Route::Chat(arg.optional()?),
            "outbox" => arg.none(Route::Outbox)?,
            "settings" => arg.none(Route::Settings)?,
            "search" => Route::Search(arg.optional()?),
            "shop" => arg.none(Route::Shop)?,
            "campaign" => Route::Campaign(arg.required("ID")?),
            "orders" => arg.none(Route::Orders)?,
            "order" => Route::Order(arg.required("ID")?),
            "requests" => Route::Requests(match arg.optional()? {
                None => RequestsTab::Browse,
                Some(name) => RequestsTab::ALL
                    .into_iter()
                    .find(|tab| tab.name() == Some(name.as_str()))
                    .ok_or(RouteError::UnknownRequestsTab(name))?,
            }),
            "request" => Route::Request(arg.required("ID")?),
            "request-form" => Route::RequestForm(arg.optional()?),
            "points" => arg.none(Route::Wallet)?,
            "admin" => Route::Admin(match arg.optional()? {
                None => AdminTab::Reports,
                Some(name) => AdminTab::ALL
                    .into_iter()
                    .find(|tab| tab.name() == name)
                    .ok_or(RouteError::UnknownTab(name))?,
            }),
            _ => return Err(RouteError::UnknownScreen(screen.to_owned())),
        })
    }
}

/// A route string's argument, checked for the screen it belongs to.
struct Arg<'a> {
    screen: &'a str,
    arg: Option<&'a str>,
}

impl Arg<'_> {
    fn screen(&self) -> String {
        self.screen.to_owned()
    }

    fn none(&self, route: Route) -> Result<Route, RouteError> {
        match self.arg {
            None => Ok(route),
            Some(arg) => Err(RouteError::UnexpectedArgument {
                screen: self.screen(),
                arg: arg.to_owned(),
            }),
        }
    }

    fn optional(&self) -> Result<Option<String>, RouteError> {
        self.arg.map(|arg| self.valid(arg)).transpose()
    }

    fn required(&self, what: &'static str) -> Result<String, RouteError> {
        match self.arg {
            Some(arg) => self.valid(arg),
            None => Err(RouteError::MissingArgument {
                screen: self.screen(),
                what,
            }),
        }
    }

    fn valid(&self, arg: &str) -> Result<String, RouteError> {
        let ok = !arg.is_empty() && arg.trim() == arg && !arg.chars().any(char::is_control);
        if ok {
            Ok(arg.to_owned())
        } else {
            Err(RouteError::BadArgument {
                screen: self.screen(),
                arg: arg.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every route, with arguments of several shapes.
    fn every_route() -> Vec<Route> {
        let mut routes = vec![
            Route::Home,
            Route::Compose(None),
            Route::Profile(None),
            Route::Notifications,
            Route::Chat(None),
            Route::Outbox,
            Route::Settings,
            Route::Search(None),
            Route::Shop,
            Route::Orders,
            Route::RequestForm(None),
            Route::Wallet,
        ];
        routes.extend(AdminTab::ALL.map(Route::Admin));
        routes.extend(RequestsTab::ALL.map(Route::Requests));
        for arg in [
            "abc",
            "0193c3a2-7d4e-7b1a-9a3f-2f1e8c0b9d11",
            "성수 카페",
            "a:b",
            "a/b",
            "x",
        ] {
            let a = arg.to_owned();
            routes.extend([
                Route::Review(a.clone()),
                Route::Compose(Some(a.clone())),
                Route::Subject(SubjectType::Place, a.clone()),
                Route::Subject(SubjectType::Product, a.clone()),
                Route::Tag(a.clone()),
                Route::Profile(Some(a.clone())),
                Route::People(a.clone(), PeopleList::Followers),
                Route::People(a.clone(), PeopleList::Following),
                Route::Search(Some(a.clone())),
                Route::Campaign(a.clone()),
                Route::Order(a.clone()),
                Route::Request(a.clone()),
                Route::RequestForm(Some(a.clone())),
                Route::Chat(Some(a)),
            ]);
        }
        routes
    }

    #[test]
    fn every_route_round_trips_through_its_string_and_its_link() {
        for route in every_route() {
            let spelled = route.to_string();
            assert_eq!(spelled.parse::<Route>(), Ok(route.clone()), "{spelled}");
            let link = route.link();
            assert!(link.starts_with("moa://"), "{link}");
            assert_eq!(link.parse::<Route>(), Ok(route.clone()), "{link}");
        }
    }

    #[test]
    fn the_spellings_the_screenshots_script_and_shared_links_use() {
        let parse = |s: &str| s.parse::<Route>();
        assert_eq!(parse("home"), Ok(Route::Home));
        assert_eq!(parse("review:abc"), Ok(Route::Review("abc".into())));
        assert_eq!(parse("chat:r1"), Ok(Route::Chat(Some("r1".into()))));
        assert_eq!(parse("compose"), Ok(Route::Compose(None)));
        assert_eq!(parse("admin"), Ok(Route::Admin(AdminTab::Reports)));
        assert_eq!(parse("admin:reports"), Ok(Route::Admin(AdminTab::Reports)));
        assert_eq!(parse("admin:audit"), Ok(Route::Admin(AdminTab::Audit)));
        assert_eq!(parse("admin:orders"), Ok(Route::Admin(AdminTab::Orders)));
        assert_eq!(parse("admin:shop"), Ok(Route::Admin(AdminTab::Catalog)));
        assert_eq!(
            parse("admin:dashboard"),
            Ok(Route::Admin(AdminTab::Dashboard))
        );
        assert_eq!(parse("admin:texts"), Ok(Route::Admin(AdminTab::Texts)));
        assert_eq!(parse("requests"), Ok(Route::Requests(RequestsTab::Browse)));
        assert_eq!(
            parse("requests:quotes"),
            Ok(Route::Requests(RequestsTab::Quotes))
        );
        assert_eq!(parse("request:r1"), Ok(Route::Request("r1".into())));
        assert_eq!(parse("request-form"), Ok(Route::RequestForm(None)));
        assert_eq!(parse("points"), Ok(Route::Wallet));
        assert_eq!(Route::Requests(RequestsTab::Browse).to_string(), "requests");
        assert_eq!(parse("moa://review/abc"), Ok(Route::Review("abc".into())));
        let id = "0190b7a0-0000-7000-8000-000000000001";
        assert_eq!(
            parse(&format!("https://moa.example/r/{id}?from=kakao")),
            Ok(Route::Review(id.into()))
        );
        assert_eq!(
            parse(&format!("http://127.0.0.1:8080/p/{id}")),
            Ok(Route::Subject(SubjectType::Place, id.into()))
        );
        assert_eq!(
            parse(&format!("https://x.kr/c/{id}")),
            Ok(Route::Campaign(id.into()))
        );
        assert!(matches!(
            parse("https://moa.example/r/not-an-id"),
            Err(RouteError::NotAShareLink(_))
        ));
        assert_eq!(Route::Review("abc".into()).link(), "moa://review/abc");
        assert_eq!(parse("moa://chat"), Ok(Route::Chat(None)));
        assert_eq!(Route::Admin(AdminTab::Reports).to_string(), "admin");
    }

    #[test]
    fn unknown_and_malformed_routes_are_refused_saying_why() {
        let parse = |s: &str| s.parse::<Route>();
        assert_eq!(
            parse("nowhere"),
            Err(RouteError::UnknownScreen("nowhere".into()))
        );
        assert_eq!(parse(""), Err(RouteError::UnknownScreen(String::new())));
        assert_eq!(parse("Home"), Err(RouteError::UnknownScreen("Home".into())));
        assert_eq!(
            parse("review"),
            Err(RouteError::MissingArgument {
                screen: "review".into(),
                what: "ID"
            })
        );
        assert_eq!(
            parse("home:x"),
            Err(RouteError::UnexpectedArgument {
                screen: "home".into(),
                arg: "x".into()
            })
        );
        for bad in [
            "review:",
            "review: abc",
            "chat:abc ",
            "tag:a\nb",
            "profile:",
        ] {
            assert!(
                matches!(parse(bad), Err(RouteError::BadArgument { .. })),
                "{bad:?} gave {:?}",
                parse(bad)
            );
        }
        assert_eq!(
            parse("admin:bogus"),
            Err(RouteError::UnknownTab("bogus".into()))
        );
        assert_eq!(
            parse("requests:bogus"),
            Err(RouteError::UnknownRequestsTab("bogus".into()))
        );
        assert!(matches!(
            parse("points:x"),
            Err(RouteError::UnexpectedArgument { .. })
        ));
        assert_eq!(
            parse("moa://nowhere/x"),
            Err(RouteError::UnknownScreen("nowhere".into()))
        );
        // The words say what went wrong and what would have been right.
        let words = parse("nowhere")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            words.contains("nowhere") && words.contains("review:ID"),
            "{words}"
        );
        let words = parse("review")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(words, "review needs an argument: review:ID");
    }

    #[test]
    fn sidebar_sections() {
        assert!(Route::Chat(None).same_section(&Route::Chat(Some("r".into()))));
        assert!(!Route::Profile(None).same_section(&Route::Profile(Some("u".into()))));
        assert!(!Route::Home.same_section(&Route::Outbox));
        let admin = |t| Route::Admin(t);
        assert!(admin(AdminTab::Reports).same_section(&admin(AdminTab::Audit)));
        assert!(admin(AdminTab::Orders).same_section(&admin(AdminTab::Dashboard)));
        assert!(!admin(AdminTab::Reports).same_section(&admin(AdminTab::Orders)));
        let browse = Route::Requests(RequestsTab::Browse);
        assert!(Route::Request("r".into()).same_section(&browse));
        assert!(Route::Wallet.same_section(&browse));
        assert!(!Route::Shop.same_section(&browse));
    }
}
