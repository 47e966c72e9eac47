"""Organisations in the directory: their services count, their entries, and the link to administration."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.directory.models import ServiceStatus
from tsunagu.directory.services import service_set_status
from tsunagu.directory.tests.factories import ACTOR, make_location, make_service

pytestmark = pytest.mark.django_db


def test_list_counts_services_that_still_exist_and_only_admins_get_the_edit_link(world):
    a = world.organisations["A"]
    make_service(organisation=a, name="一つ目")
    make_service(organisation=a, name="二つ目")
    gone = make_service(organisation=a, name="廃止")
    service_set_status(actor=ACTOR, service=gone, status=ServiceStatus.DEFUNCT)
    OrganisationFactory(name="休止中の団体", is_active=False)
    response = world.client("counsellor_a").get(reverse("directory:organisation_list"))
    counts = {org.name: org.services_count for org in response.context["page"]}
    assert counts[a.name] == 2 and counts[world.organisations["B"].name] == 0
    assert "休止中の団体" not in counts
    edit = reverse("accounts:organisation_edit", kwargs={"code": a.code})
    assert edit not in response.text
    response = world.client("system_admin_c").get(reverse("directory:organisation_list"))
    assert edit in response.text
    response = world.client("counsellor_a").get(reverse("directory:organisation_list"), {"q": "NPO"})
    assert [org.name for org in response.context["page"]] == ["NPO法人D"]


def test_list_runs_the_same_number_of_queries_for_few_or_many_organisations(world, django_assert_num_queries):
    client = world.client("counsellor_a")
    client.get(reverse("directory:organisation_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("directory:organisation_list"))
    for i in range(6):
        make_service(organisation=OrganisationFactory(name=f"追加の団体{i}"))
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("directory:organisation_list"))
    assert len(response.context["page"]) == 10


def test_detail_lists_services_and_locations_and_offers_adding_to_editors(world):
    d = world.organisations["D"]
    make_service(organisation=d, name="Dの居場所")
    make_location(organisation=d, name="Dの拠点")
    url = reverse("directory:organisation_detail", kwargs={"code": d.code})
    add = reverse("directory:service_create", kwargs={"code": d.code})
    response = world.client("org_admin_d").get(url)
    assert "Dの居場所" in response.text and "Dの拠点" in response.text
    assert add in response.text
    assert add not in world.client("supervisor_a").get(url).text
    assert add in world.client("platform_secretariat_c").get(url).text
    assert (
        world.client("counsellor_a")
        .get(reverse("directory:organisation_detail", kwargs={"code": uuid.uuid4()}))
        .status_code
        == 404
    )
    assert world.client("counsellor_a").post(url).status_code == 405


def test_dashboard_links_to_the_directory(world):
    response = world.client("platform_member_d").get(reverse("accounts:dashboard"))
    assert reverse("directory:service_list") in response.text
    assert reverse("directory:needs_verification") in response.text
