//! iProov REST API v2 photo-enrol client and the local fake service.
