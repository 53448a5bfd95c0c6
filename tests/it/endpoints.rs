use crate::harness::*;
use fake_aws::Route;

#[test]
fn endpoints_from_a_services_section_in_the_profile() {
    let mut env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    env.remove_env("AWS_ENDPOINT_URL_SSO");
    env.remove_env("AWS_ENDPOINT_URL_SSO_OIDC");
    env.write_config(&format!(
        "{CONFIG}\n[profile local]\nsso_session = my-sso\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\nservices = fake\n\n[services fake]\nsso =\n  endpoint_url = {url}\nsso-oidc =\n  endpoint_url = {url}\n",
        url = env.fake.url()
    ));
    env.login(5 * MINUTE);
    env.run_ok(&["--profile", "local"]);
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn the_global_endpoint_variable_and_profile_endpoint_url() {
    let mut env = TestEnv::new();
    env.remove_env("AWS_ENDPOINT_URL_SSO");
    env.remove_env("AWS_ENDPOINT_URL_SSO_OIDC");
    env.set_env("AWS_ENDPOINT_URL", &env.fake.url());
    env.login(5 * MINUTE);
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.total_calls(), 2);

    let mut env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    env.remove_env("AWS_ENDPOINT_URL_SSO");
    env.remove_env("AWS_ENDPOINT_URL_SSO_OIDC");
    env.write_config(
        &CONFIG.replace("region = us-east-1\n", &format!("region = us-east-1\nendpoint_url = {}\n", env.fake.url())),
    );
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.total_calls(), 1);
}

#[test]
fn service_variables_win_over_the_config() {
    let env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    // The profile points at a dead port; AWS_ENDPOINT_URL_SSO (set by the harness) wins.
    env.write_config(
        &CONFIG.replace("region = us-east-1\n", "region = us-east-1\nendpoint_url = http://127.0.0.1:9\n"),
    );
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.total_calls(), 1);
}

#[test]
fn an_http_proxy_is_used_and_no_proxy_is_respected() {
    let mut env = TestEnv::new();
    // Endpoints on a name that does not resolve: only the proxy (the fake) can answer.
    env.set_env("AWS_ENDPOINT_URL_SSO", "http://portal.sso.example.invalid");
    env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.example.invalid");
    env.set_env("HTTP_PROXY", &env.fake.url());
    env.set_env("NO_PROXY", "localhost");
    env.login(5 * MINUTE);
    env.run_ok(&["--profile", "dev-sso"]);
    let requests = env.fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.via_proxy), "{requests:?}");
}

#[test]
fn aws_ignore_configured_endpoint_urls_turns_overrides_off() {
    let mut env = TestEnv::new();
    env.set_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    env.login(8 * HOUR);
    // The real endpoint is then used, which the harness's dead HTTPS_PROXY makes fail at once.
    let line = env.run_err(&["--profile", "dev-sso"], 4);
    assert!(line.contains("could not connect"), "{line}");
    assert_eq!(env.fake.total_calls(), 0);
}
