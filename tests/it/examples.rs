//! The demo example runs the real code path; running it here keeps it from going stale.

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/demo.rs"]
mod demo;

#[test]
fn the_demo_shows_refresh_cache_hit_chaining_and_login_required() {
    let mut out = Vec::new();
    demo::demo(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let sections: Vec<&str> = text.split("\n$ aws-sso-credential-process --profile ").collect();
    assert_eq!(sections.len(), 5, "{text}");
    assert!(sections[1].contains("AWS calls: CreateToken, GetRoleCredentials"), "{text}");
    assert!(sections[1].contains("\"Version\":1"), "{text}");
    assert!(sections[2].contains("AWS calls: none"), "{text}");
    assert!(sections[3].starts_with("prod-admin\n") && sections[3].contains("AWS calls: AssumeRole\n"), "{text}");
    assert!(sections[3].contains("\"AccountId\":\"444455556666\""), "{text}");
    assert!(sections[4].contains("AWS calls: CreateToken\n"), "{text}");
    assert!(
        sections[4].contains(
            "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
        ),
        "{text}"
    );
    assert!(sections[4].contains("exit code: 3"), "{text}");
}
